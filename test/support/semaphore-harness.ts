/**
 * A harness for unit (and model-based) tests of `semaphoreMachine`: one controllable fake per
 * actor, the semaphore started on them and a `RecordingClock` (see `machine-harness.ts`), KV
 * entries of a semaphore prefix, and drives from idle to each phase.
 */
import { expect } from 'vitest'
import type { Actor, SnapshotFrom } from 'xstate'
import type { AcquireContenderInput } from '../../machines/actors/acquire-contender.js'
import type { DeleteContenderInput } from '../../machines/actors/delete-contender.js'
import type { DeleteKeyInput } from '../../machines/actors/delete-key.js'
import type { ListPrefixInput, PrefixListing } from '../../machines/actors/list-prefix.js'
import type { KeyRead, ReadKeyInput } from '../../machines/actors/read-key.js'
import type { WriteRecordInput } from '../../machines/actors/write-record.js'
import { SEMAPHORE_FLAG_VALUE } from '../../machines/flags.js'
import { semaphoreMachine } from '../../machines/semaphore.machine.js'
import type { SemaphoreOptions } from '../../machines/semaphore.options.js'
import { contenderKey, encodeRecord, recordKey } from '../../machines/semaphore-record.js'
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

/** One fake per actor of `semaphoreMachine`, named as the machine names them. */
export interface SemaphoreFakes extends SessionFakes {
  listPrefix: FakeActor<ListPrefixInput, PrefixListing>
  acquireContender: FakeActor<AcquireContenderInput, boolean>
  writeRecord: FakeActor<WriteRecordInput, boolean>
  readRecord: FakeActor<ReadKeyInput, KeyRead>
  deleteContender: FakeActor<DeleteContenderInput, void>
  deleteRecord: FakeActor<DeleteKeyInput, boolean>
}

/** Fresh fakes for every actor of the semaphore machine. */
export function createSemaphoreFakes(): SemaphoreFakes {
  return {
    ...createSessionFakes(),
    listPrefix: fakeActor('listPrefix'),
    acquireContender: fakeActor('acquireContender'),
    writeRecord: fakeActor('writeRecord'),
    readRecord: fakeActor('readRecord'),
    deleteContender: fakeActor('deleteContender'),
    deleteRecord: fakeActor('deleteRecord'),
  }
}

/** `semaphoreMachine` with its actors replaced by `fakes`. */
export function fakeSemaphoreMachine(fakes: SemaphoreFakes) {
  return withFakes(semaphoreMachine, { ...fakes })
}

export type SemaphoreActor = Actor<typeof semaphoreMachine>
export type SemaphoreSnapshot = SnapshotFrom<typeof semaphoreMachine>

/** A running semaphore machine on fakes and a simulated clock. */
export type SemaphoreHarness = MachineHarness<typeof semaphoreMachine, SemaphoreFakes>

/** Starts `semaphoreMachine` on fresh fakes (or the given ones) and a new `RecordingClock`. */
export function startSemaphore(
  input: SemaphoreOptions,
  fakes: SemaphoreFakes = createSemaphoreFakes(),
): SemaphoreHarness {
  return startHarness(fakeSemaphoreMachine(fakes), fakes, input)
}

/** The prefix, limit and value most tests use. */
export const PREFIX = 'service/workers'
export const LIMIT = 2
export const VALUE = 'node-a'

/** A semaphore's `.lock` record listing `holders`, as Go writes it. */
export function recordPair(
  holders: readonly string[],
  fields: Partial<KVPair> & { limit?: number; prefix?: string } = {},
): KVPair {
  const { limit = LIMIT, prefix = PREFIX, ...pair } = fields
  return {
    key: recordKey(prefix),
    value: Buffer.from(encodeRecord({ limit, holders })),
    flags: SEMAPHORE_FLAG_VALUE,
    lockIndex: 0n,
    createIndex: 1n,
    modifyIndex: 1n,
    ...pair,
  }
}

/** A contender key `<prefix>/<session>`, held by its session. */
export function contenderPair(session: string, fields: Partial<KVPair> & { prefix?: string } = {}): KVPair {
  const { prefix = PREFIX, ...pair } = fields
  return {
    key: contenderKey(prefix, session),
    value: Buffer.from(VALUE),
    flags: SEMAPHORE_FLAG_VALUE,
    session,
    lockIndex: 1n,
    createIndex: 1n,
    modifyIndex: 1n,
    ...pair,
  }
}

/** The listing of a prefix where `holders` hold slots (each with its contender key) and `waiters` wait. */
export function listing(
  holders: readonly string[],
  options: { waiters?: readonly string[]; index?: bigint; recordIndex?: bigint; limit?: number } = {},
): PrefixListing {
  const { waiters = [], index = 10n, recordIndex = 5n, limit } = options
  const record = recordPair(holders, { modifyIndex: recordIndex, ...(limit === undefined ? {} : { limit }) })
  const contenders = [...holders, ...waiters].map((session) => contenderPair(session))
  return { pairs: [record, ...contenders].sort((a, b) => a.key.localeCompare(b.key)), index }
}

/** What the drives send and answer; every field has a default. */
export interface SemaphoreScenario {
  session?: string
  /** How long the create took (it shortens the first lease and a tryOnce budget). */
  createElapsedMs?: number
  tryOnce?: boolean
  wait?: Duration
}

/**
 * From `idle`: sends `ACQUIRE` and answers the session create (unless the semaphore uses the
 * caller's session). Ends in `contending`, the contender write in flight.
 */
export async function driveToContending(
  h: SemaphoreHarness,
  scenario: SemaphoreScenario = {},
): Promise<void> {
  const { session = 'sess-1', createElapsedMs = 0, tryOnce, wait } = scenario
  await h.send({
    type: 'ACQUIRE',
    ...(tryOnce === undefined ? {} : { tryOnce }),
    ...(wait === undefined ? {} : { wait }),
  })
  if (h.snapshot().context.settings.session === null) {
    await answer(h.fakes.createSession, { id: session, elapsedMs: createElapsedMs })
  }
  if (!h.matches('session.semaphore.pending.contending.inFlight')) {
    throw new Error('driveToContending: no contender write in flight')
  }
}

/** From `idle`: as `driveToContending`, then the contender key is written. Ends with the first list pending. */
export async function driveToWaiting(h: SemaphoreHarness, scenario: SemaphoreScenario = {}): Promise<void> {
  await driveToContending(h, scenario)
  await answer(h.fakes.acquireContender, true)
  if (!h.matches('session.semaphore.pending.waiting')) throw new Error('driveToWaiting: not waiting')
}

/** From `idle`: as `driveToWaiting`, then the prefix lists one free slot. Ends with the claim in flight. */
export async function driveToClaiming(h: SemaphoreHarness, scenario: SemaphoreScenario = {}): Promise<void> {
  const { session = 'sess-1' } = scenario
  await driveToWaiting(h, scenario)
  await answer(h.fakes.listPrefix, listing(['other-1'], { waiters: [session] }))
  if (!h.matches('session.semaphore.pending.claiming.inFlight'))
    throw new Error('driveToClaiming: no claim in flight')
}

/** From `idle`: as `driveToClaiming`, then the claim is written. Ends in `held`. */
export async function driveToHeld(h: SemaphoreHarness, scenario: SemaphoreScenario = {}): Promise<void> {
  await driveToClaiming(h, scenario)
  await answer(h.fakes.writeRecord, true)
  if (!h.snapshot().hasTag('held')) throw new Error('driveToHeld: the semaphore is not held')
}

/**
 * At a cleanup's `readingRecord`: answers that the record lists `holders` (`sess-1` among them)
 * at `modifyIndex`, checks that it is rewritten without `sess-1` at that index, exactly as Go
 * encodes it, and answers that the rewrite succeeded.
 */
export async function expectTakenOutOfRecord(
  h: SemaphoreHarness,
  holders: readonly string[],
  modifyIndex: bigint,
): Promise<void> {
  await answer(h.fakes.readRecord, { pair: recordPair(holders, { modifyIndex }), index: modifyIndex })
  const rest = holders.filter((holder) => holder !== 'sess-1')
  expect(h.fakes.writeRecord.last().input).toEqual({
    key: recordKey(PREFIX),
    value: encodeRecord({ limit: LIMIT, holders: rest }),
    modifyIndex,
  })
  await answer(h.fakes.writeRecord, true)
}

/**
 * Answers what is left of a cleanup (`releasing` or `abandoning`) the plain way: the record
 * read (as listing `holders`), its rewrite, the contender delete, the session destroy, each if
 * the semaphore is at it. It does not say which calls were made: a test that cares checks the
 * fakes.
 */
export async function answerCleanup(h: SemaphoreHarness, holders: readonly string[] = []): Promise<void> {
  const at = (step: string) => h.matches(`releasing.${step}`) || h.matches(`abandoning.${step}`)
  if (at('readingRecord')) await answer(h.fakes.readRecord, { pair: recordPair(holders), index: 10n })
  if (at('removingHolder')) await answer(h.fakes.writeRecord, true)
  if (at('deletingContender')) await answer(h.fakes.deleteContender, undefined)
  if (at('destroyingSession')) await answer(h.fakes.destroySession, undefined)
}

/** `answerCleanup`, then throws unless the semaphore is idle. */
export async function finishCleanup(h: SemaphoreHarness, holders: readonly string[] = []): Promise<void> {
  await answerCleanup(h, holders)
  if (!h.matches('idle')) {
    throw new Error(`finishCleanup: the semaphore is not idle but in ${JSON.stringify(h.snapshot().value)}`)
  }
}
