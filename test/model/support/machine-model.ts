/**
 * Everything the shared model-based test support needs to know of one machine: its timed model
 * (`timed-model.ts`), how to run it on fakes, what of its notifications the model predicts, and
 * what must hold in every state. `lock-model.ts` and `semaphore-model.ts` define one each.
 */
import type { AnyStateMachine, EmittedFrom, InputFrom, SnapshotFrom } from 'xstate'
import { getStateNodes } from 'xstate/graph'
import type { MachineHarness } from '../../support/machine-harness.js'
import { type TimedModel, type TimedModelSpec, type TimedSnapshot, timedModel } from './timed-model.js'

/** What the replay needs of a fake actor's call (`FakeCall` of `test/support/machine-harness.ts`). */
export interface ReplayableCall {
  readonly input: unknown
  readonly signal: AbortSignal
  readonly settled: boolean
  resolve(output: never): void
  reject(error: unknown): void
}

/** What the replay needs of a fake actor. */
export interface ReplayableFake {
  readonly calls: readonly ReplayableCall[]
  /** The one call neither answered nor aborted; throws unless there is exactly one. */
  pending(): ReplayableCall
}

/** An answer the replay gives a fake actor's call. */
export type Answer = { output: unknown } | { error: unknown }

/**
 * Bookkeeping of one replay, for what the model cannot see: what the fake Consul holds on the
 * machine's behalf (sessions, keys), and the notifications so far.
 */
export interface Ledger<TMachine extends AnyStateMachine> {
  /** Sees each answer the replay gives an actor (`actor` is its name), before the machine does. */
  answered(actor: string, input: unknown, answer: Answer): void
  /** Checks what must hold once a step has settled; `emitted` is what that step emitted. */
  check(snapshot: SnapshotFrom<TMachine>, emitted: readonly EmittedFrom<TMachine>[], at: string): void
}

export interface MachineModelSpec<TMachine extends AnyStateMachine, TFakes> extends TimedModelSpec<TMachine> {
  /** The commands a user sends (a scripted tail may send one wherever the machine is). */
  commands: ReadonlySet<string>
  /** What of a notification the model predicts exactly (errors are compared by kind). */
  summary(notification: EmittedFrom<TMachine>): Record<string, unknown>
  /** Starts the machine with `input` on fresh fakes and a simulated clock. */
  start(input: InputFrom<TMachine>): MachineHarness<TMachine, TFakes>
  /** A fresh ledger for one replay on `fakes`. */
  ledger(fakes: TFakes): Ledger<TMachine>
  /** The actors that write to Consul (a session renew aside, which runs beside them by design). */
  writes: ReadonlySet<string>
  /** What must hold in every model state (the replay checks it on every step too). */
  invariants(state: TimedSnapshot<TMachine>): void
}

export type MachineModel<TMachine extends AnyStateMachine, TFakes> = MachineModelSpec<TMachine, TFakes> &
  TimedModel<TMachine> & {
    /** The actor (the fake's name) an invoke id runs. */
    srcOf(invokeId: string): string
  }

/** Invoke ids name done/error events; the fakes are named by the actor (`src`) they stand for. */
function invokedActors(machine: AnyStateMachine): Map<string, string> {
  const sources = new Map<string, string>()
  for (const node of getStateNodes(machine.root)) {
    for (const { id, src } of node.invoke) {
      if (typeof src !== 'string') throw new Error(`${node.id}: invoke ${id} names no actor`)
      if (sources.has(id) && sources.get(id) !== src) throw new Error(`invoke id ${id} runs two actors`)
      sources.set(id, src)
    }
  }
  return sources
}

export function defineModel<TMachine extends AnyStateMachine, TFakes>(
  spec: MachineModelSpec<TMachine, TFakes>,
): MachineModel<TMachine, TFakes> {
  const sources = invokedActors(spec.machine)
  return {
    ...spec,
    ...timedModel(spec),
    srcOf: (invokeId) => sources.get(invokeId) ?? invokeId,
  }
}
