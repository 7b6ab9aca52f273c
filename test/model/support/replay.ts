/**
 * Replays a model path against a live actor of the machine (fake Consul actors and a simulated
 * clock) and checks, after every step, that the actor is where the model says: state value,
 * tags, the context that decides what comes next, the Consul calls in flight and what it
 * emitted; that the model state keeps the machine's invariants; and the machine's ledger (what
 * the fake Consul holds on its behalf, what it notified so far).
 */
import { expect } from 'vitest'
import type { AnyMachineSnapshot, AnyStateMachine, EventFrom, InputFrom } from 'xstate'
import type { MachineHarness } from '../../support/machine-harness.js'
import { flush } from '../../support/machine-harness.js'
import { allStateNodeIds, stateNodesOn } from './coverage.js'
import type { ModelEvent } from './events.js'
import type { MachineModel, ReplayableFake } from './machine-model.js'
import { describePath } from './path-names.js'
import { chartState, type ModelPath, type TimedSnapshot } from './timed-model.js'

/** A timer the replay let fire: which one and how long the clock was advanced for it. */
export interface FiredTimer {
  type: string
  waitedMs: number
}

export interface ReplayResult<TFakes> {
  /** The timers that fired, in order. */
  fired: FiredTimer[]
  /** The fake Consul actors, with every call the machine made. */
  fakes: TFakes
}

export type Fakes<TFakes> = { [K in keyof TFakes]: ReplayableFake }

function answerOf(event: ModelEvent): { kind: 'done' | 'error'; invokeId: string } | undefined {
  const match = /^xstate\.(done|error)\.actor\.(\w+)$/.exec(event.type)
  if (match === null) return undefined
  return { kind: match[1] as 'done' | 'error', invokeId: match[2] ?? '' }
}

/** One actor name per call waiting for an answer (neither settled nor aborted), sorted. */
function callsInFlight(fakes: Record<string, ReplayableFake>): string[] {
  return Object.entries(fakes)
    .flatMap(([name, fake]) =>
      fake.calls.filter((call) => !call.settled && !call.signal.aborted).map(() => name),
    )
    .sort()
}

/** Replays `path` on a fresh machine started with `input`; throws at the first divergence. */
export async function replay<TMachine extends AnyStateMachine, TFakes extends Fakes<TFakes>>(
  model: MachineModel<TMachine, TFakes>,
  path: ModelPath<TMachine>,
  input: InputFrom<TMachine>,
): Promise<ReplayResult<TFakes>> {
  const harness = model.start(input)
  const fakes: Record<string, ReplayableFake> = harness.fakes
  const ledger = model.ledger(harness.fakes)
  const fired: FiredTimer[] = []
  const where = (snapshot: AnyMachineSnapshot) => ({
    value: snapshot.value,
    tags: [...snapshot.tags].sort(),
    context: model.contextIdentity(snapshot.context),
    status: snapshot.status,
  })
  let seen = 0
  try {
    for (const [index, step] of path.steps.entries()) {
      const before = path.steps[index - 1]?.state
      const at = `step ${index} (${model.describeEvent(step.event)}) of ${describePath(model, path)}`
      if (before !== undefined) await perform(harness, step.event, before)
      await flush()
      expect(harness.errors, at).toEqual([])
      expect(where(harness.snapshot()), at).toEqual(where(step.state.machine))
      expect(callsInFlight(fakes), `Consul calls in flight, ${at}`).toEqual(
        Object.keys(chartState(step.state).children).map(model.srcOf).sort(),
      )
      const emitted = harness.notifications.slice(seen)
      seen = harness.notifications.length
      expect(emitted.map(model.summary), `emitted, ${at}`).toEqual(step.state.emitted.map(model.summary))
      model.invariants(step.state)
      ledger.check(harness.snapshot(), emitted, at)
    }
  } finally {
    harness.stop()
  }
  return { fired, fakes: harness.fakes }

  async function perform(
    harness: MachineHarness<TMachine, TFakes>,
    event: ModelEvent,
    before: TimedSnapshot<TMachine>,
  ): Promise<void> {
    const answer = answerOf(event)
    if (event.type.startsWith('xstate.after.')) {
      const timer = before.timers.find((candidate) => candidate.type === event.type)
      if (timer === undefined) throw new Error(`${event.type} was not started`)
      const waitedMs = timer.deadline - before.now
      // One ms early nothing happens yet; then the timer fires.
      if (waitedMs > 1) {
        await harness.advance(waitedMs - 1)
        const now: AnyMachineSnapshot = harness.snapshot()
        expect(now.value, `${event.type} fired early`).toEqual(chartState(before).value)
      }
      await harness.advance(Math.min(waitedMs, 1))
      fired.push({ type: event.type, waitedMs })
    } else if (answer !== undefined) {
      const name = model.srcOf(answer.invokeId)
      const fake = fakes[name]
      if (fake === undefined) throw new Error(`no fake for the actor ${name}`)
      // Throws unless the machine invoked the actor and the call is still waiting for an answer.
      const call = fake.pending()
      if (answer.kind === 'error') {
        ledger.answered(name, call.input, { error: event.error })
        call.reject(event.error)
      } else {
        ledger.answered(name, call.input, { output: event.output })
        ;(call.resolve as (output: unknown) => void)(event.output)
      }
    } else {
      harness.actor.send(event as EventFrom<TMachine>)
    }
  }
}

/**
 * Replays paths of `model` and keeps the state nodes they pass through, so a suite can check at
 * its end that every state node of the chart was reached.
 */
export function coverageReplayer<TMachine extends AnyStateMachine, TFakes extends Fakes<TFakes>>(
  model: MachineModel<TMachine, TFakes>,
) {
  const visited = new Set<string>()
  return {
    replayed(path: ModelPath<TMachine>, input: InputFrom<TMachine>) {
      stateNodesOn(model.machine, path, visited)
      return replay(model, path, input)
    },
    /** The state nodes of the chart no replayed path passed through. */
    missedStateNodes: () => allStateNodeIds(model.machine).filter((id) => !visited.has(id)),
  }
}
