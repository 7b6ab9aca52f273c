/**
 * Replays a model path against a live lock actor (the fake Consul actors and simulated clock of
 * `test/support/lock-harness.ts`) and checks, after every step, that the actor is where the
 * model says: state value, tags, the context that decides what comes next, the Consul calls in
 * flight and what it emitted. Whenever it is idle, no session it created may be left behind.
 */

import { expect } from 'vitest'
import type { EventObject } from 'xstate'
import type { StatePath } from 'xstate/graph'
import { isSessionRejection } from '../../../machines/actors/acquire-key.js'
import type { LockOptions } from '../../../machines/lock.options.js'
import type { LockEvent, LockNotification } from '../../../machines/lock.types.js'
import {
  type FakeCall,
  flush,
  type LockFakes,
  type LockHarness,
  startLock,
} from '../../support/lock-harness.js'
import { describeEvent, type ModelEvent } from './lock-events.js'
import { contextIdentity, type LockSnapshot, type TimedSnapshot } from './timed-lock-model.js'

export type ModelPath = StatePath<TimedSnapshot, ModelEvent>

type ActorName = keyof LockFakes

/** A timer the replay let fire: which one and how long the clock was advanced for it. */
export interface FiredTimer {
  type: string
  waitedMs: number
}

export interface ReplayResult {
  /** The timers that fired, in order. */
  fired: FiredTimer[]
  /** The fake Consul actors, with every call the lock made. */
  fakes: LockFakes
}

/** What of a notification the model predicts exactly (errors are compared by kind). */
function summary(event: LockNotification): Record<string, unknown> {
  const { type } = event
  if (event.type === 'lock.lost') return { type, reason: event.reason }
  if (event.type === 'lock.suspect') return { type, cause: event.cause }
  if (event.type === 'lock.error') return { type, error: event.error.name }
  return { type }
}

function actorOf(event: EventObject): { kind: 'done' | 'error'; name: ActorName } | undefined {
  const match = /^xstate\.(done|error)\.actor\.(\w+)$/.exec(event.type)
  if (match === null) return undefined
  return { kind: match[1] as 'done' | 'error', name: match[2] as ActorName }
}

function where(snapshot: LockSnapshot) {
  return {
    value: snapshot.value,
    tags: [...snapshot.tags].sort(),
    context: contextIdentity(snapshot.context),
    status: snapshot.status,
  }
}

/** One name per call waiting for an answer (neither settled nor aborted), sorted. */
function callsInFlight(fakes: LockFakes): string[] {
  const fakesByName: Array<[string, { calls: readonly FakeCall<unknown, unknown>[] }]> = Object.entries(fakes)
  return fakesByName
    .flatMap(([name, fake]) =>
      fake.calls.filter((call) => !call.settled && !call.signal.aborted).map(() => name),
    )
    .sort()
}

export function describePath(path: ModelPath): string {
  return path.steps
    .slice(1)
    .map((step) => describeEvent(step.event))
    .join(' → ')
}

/** Replays `path` on a fresh lock started with `input`; throws at the first divergence. */
export async function replay(path: ModelPath, input: LockOptions): Promise<ReplayResult> {
  const lock = startLock(input)
  const fired: FiredTimer[] = []
  /** Sessions created, not yet destroyed (or found gone), in order. */
  const sessions: string[] = []
  let seen = 0
  try {
    for (const [index, step] of path.steps.entries()) {
      const before = path.steps[index - 1]?.state
      const at = `step ${index} (${describeEvent(step.event)}) of ${describePath(path)}`
      if (before !== undefined) await perform(lock, step.event, before)
      await flush()
      expect(lock.errors, at).toEqual([])
      expect(where(lock.snapshot()), at).toEqual(where(step.state.lock))
      expect(callsInFlight(lock.fakes), `Consul calls in flight, ${at}`).toEqual(
        Object.keys(step.state.lock.children).sort(),
      )
      const emitted = lock.notifications.slice(seen)
      seen = lock.notifications.length
      expect(emitted.map(summary), `emitted, ${at}`).toEqual(step.state.emitted.map(summary))
      if (lock.snapshot().hasTag('idle')) expect(sessions, `sessions left behind, ${at}`).toEqual([])
    }
  } finally {
    lock.stop()
  }
  return { fired, fakes: lock.fakes }

  function forget(session: string): void {
    const at = sessions.indexOf(session)
    if (at >= 0) sessions.splice(at, 1)
  }

  async function perform(lock: LockHarness, event: ModelEvent, before: TimedSnapshot): Promise<void> {
    const target = actorOf(event)
    if (event.type.startsWith('xstate.after.')) {
      const timer = before.timers.find((candidate) => candidate.type === event.type)
      if (timer === undefined) throw new Error(`${event.type} was not started`)
      const waitedMs = timer.deadline - before.now
      // One ms early nothing happens yet; then the timer fires.
      if (waitedMs > 1) {
        await lock.advance(waitedMs - 1)
        expect(lock.snapshot().value, `${event.type} fired early`).toEqual(before.lock.value)
      }
      await lock.advance(Math.min(waitedMs, 1))
      fired.push({ type: event.type, waitedMs })
    } else if (target !== undefined) {
      // Throws unless the machine invoked the actor and the call is still waiting for an answer.
      const call = lock.fakes[target.name].pending()
      const { session } = call.input as { session?: string }
      // A destroy that fails is still the lock's last word on that session (it expires by TTL).
      if (target.name === 'destroySession' && session !== undefined) forget(session)
      // Consul refused the session of an acquire: it is gone on the server, nothing to destroy.
      if (target.name === 'acquireKey' && isSessionRejection(event.error) && session !== undefined) {
        forget(session)
      }
      if (target.kind === 'error') return call.reject(event.error)
      ;(call.resolve as (output: unknown) => void)(event.output)
      if (target.name === 'createSession') sessions.push((event.output as { id: string }).id)
      if (target.name === 'renewSession' && event.output === null && session !== undefined) forget(session)
    } else {
      lock.actor.send(event as LockEvent)
    }
  }
}
