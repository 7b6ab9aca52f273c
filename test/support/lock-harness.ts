/**
 * A harness for unit (and model-based) tests of `lockMachine`: one controllable fake per actor,
 * the lock started on them and a `RecordingClock` (see `machine-harness.ts`, whose pieces it
 * re-exports), and drives from idle to each phase.
 */
import type { Actor, SnapshotFrom } from 'xstate'
import type { AcquireKeyInput, AcquireOutcome } from '../../machines/actors/acquire-key.js'
import type { DeleteKeyInput } from '../../machines/actors/delete-key.js'
import type { KeyRead, ReadKeyInput } from '../../machines/actors/read-key.js'
import type { ReleaseKeyInput } from '../../machines/actors/release-key.js'
import { LOCK_FLAG_VALUE } from '../../machines/flags.js'
import { lockMachine } from '../../machines/lock.machine.js'
import type { LockOptions } from '../../machines/lock.options.js'
import type { Duration } from '../../src/consul/duration.js'
import type { KVPair } from '../../src/consul/types.js'
import {
  answer,
  type FakeActor,
  fakeActor,
  type MachineHarness,
  startHarness,
  withFakes,
} from './machine-harness.js'
import { createSessionFakes, type SessionFakes } from './session-fakes.js'

export {
  advanceClock,
  answer,
  collectNotifications,
  type FakeActor,
  type FakeCall,
  fail,
  fakeActor,
  flush,
  RecordingClock,
  statePath,
} from './machine-harness.js'

/** One fake per actor of `lockMachine`, named as the machine names them. */
export interface LockFakes extends SessionFakes {
  readKey: FakeActor<ReadKeyInput, KeyRead>
  acquireKey: FakeActor<AcquireKeyInput, AcquireOutcome>
  releaseKey: FakeActor<ReleaseKeyInput, boolean>
  deleteKey: FakeActor<DeleteKeyInput, boolean>
}

/** Fresh fakes for every actor of the lock machine. */
export function createLockFakes(): LockFakes {
  return {
    ...createSessionFakes(),
    readKey: fakeActor('readKey'),
    acquireKey: fakeActor('acquireKey'),
    releaseKey: fakeActor('releaseKey'),
    deleteKey: fakeActor('deleteKey'),
  }
}

/** `lockMachine` with its actors replaced by `fakes`. */
export function fakeLockMachine(fakes: LockFakes) {
  return withFakes(lockMachine, { ...fakes })
}

export type LockActor = Actor<typeof lockMachine>
export type LockSnapshot = SnapshotFrom<typeof lockMachine>

/** A running lock machine on fakes and a simulated clock. */
export type LockHarness = MachineHarness<typeof lockMachine, LockFakes>

/** Starts `lockMachine` on fresh fakes (or the given ones) and a new `RecordingClock`. */
export function startLock(input: LockOptions, fakes: LockFakes = createLockFakes()): LockHarness {
  return startHarness(fakeLockMachine(fakes), fakes, input)
}

/** A KV entry of a lock key: the lock flags and small indexes unless overridden. */
export function kvPair(fields: Partial<KVPair> & { key: string }): KVPair {
  return {
    value: null,
    flags: LOCK_FLAG_VALUE,
    lockIndex: 1n,
    createIndex: 1n,
    modifyIndex: 1n,
    ...fields,
  }
}

/** What `driveToWaiting` sends and answers; every field has a default. */
export interface WaitingScenario {
  session?: string
  /** How long the create took (it shortens the first lease and a tryOnce budget). */
  createElapsedMs?: number
  /** The `tryOnce` of the ACQUIRE. */
  tryOnce?: boolean
  /** The `wait` of the ACQUIRE. */
  wait?: Duration
}

/**
 * From `idle`: sends `ACQUIRE` (with the scenario's `tryOnce` and `wait`) and answers the session
 * create (unless the lock uses the caller's session). Ends in `waiting`, its first read pending.
 */
export async function driveToWaiting(h: LockHarness, scenario: WaitingScenario = {}): Promise<void> {
  const { session = 'sess-1', createElapsedMs = 0, tryOnce, wait } = scenario
  await h.send({
    type: 'ACQUIRE',
    ...(tryOnce === undefined ? {} : { tryOnce }),
    ...(wait === undefined ? {} : { wait }),
  })
  if (h.snapshot().context.settings.session === null) {
    await answer(h.fakes.createSession, { id: session, elapsedMs: createElapsedMs })
  }
  if (!h.matches('session.lock.pending.waiting')) throw new Error('driveToWaiting: the lock is not waiting')
}

/** What `driveToHeld` answers; every field has a default. */
export interface HeldScenario extends WaitingScenario {
  lockIndex?: bigint
  modifyIndex?: bigint
}

/** From `idle`: as `driveToWaiting`, then reads the key as absent. Ends with the acquire in flight. */
export async function driveToAcquiring(h: LockHarness, scenario: WaitingScenario = {}): Promise<void> {
  await driveToWaiting(h, scenario)
  await answer(h.fakes.readKey, { pair: null, index: 5n })
  if (!h.matches('session.lock.pending.acquiring.inFlight')) {
    throw new Error('driveToAcquiring: no acquire in flight')
  }
}

/** From `idle`: as `driveToAcquiring`, then lets the acquire succeed. Ends in `held`. */
export async function driveToHeld(h: LockHarness, scenario: HeldScenario = {}): Promise<void> {
  const { lockIndex = 1n, modifyIndex = 10n } = scenario
  await driveToAcquiring(h, scenario)
  await answer(h.fakes.acquireKey, { acquired: true, lockIndex, modifyIndex })
  if (!h.snapshot().hasTag('held')) throw new Error('driveToHeld: the lock is not held')
}

/**
 * Answers what is left of a cleanup (`releasing` or `abandoning`): the key release (with
 * `released`) if the lock is at it, then the session destroy if the lock is at it. Throws unless
 * the lock ends idle. It does not say which calls were made: a test that cares checks the fakes.
 */
export async function finishCleanup(h: LockHarness, released = true): Promise<void> {
  const at = (step: string) => h.matches(`releasing.${step}`) || h.matches(`abandoning.${step}`)
  if (at('releasingKey')) await answer(h.fakes.releaseKey, released)
  if (at('destroyingSession')) await answer(h.fakes.destroySession, undefined)
  if (!h.matches('idle')) {
    throw new Error(`finishCleanup: the lock is not idle but in ${JSON.stringify(h.snapshot().value)}`)
  }
}
