/**
 * The semaphore machine as the shared model-based support sees it (`machine-model.ts`): the
 * context that decides its next step, its notifications, its fakes, what it must never leave
 * behind (sessions, contender keys), how it may come to hold a slot, and what holds in every
 * state.
 */
import { expect } from 'vitest'
import type { PrefixListing } from '../../../machines/actors/list-prefix.js'
import type { KeyRead } from '../../../machines/actors/read-key.js'
import { semaphoreMachine } from '../../../machines/semaphore.machine.js'
import type { SemaphoreNotification } from '../../../machines/semaphore.types.js'
import { contenderKey, recordKey } from '../../../machines/semaphore-record.js'
import type { KVPair } from '../../../src/consul/types.js'
import { LIMIT, PREFIX, type SemaphoreFakes, startSemaphore } from '../../support/semaphore-harness.js'
import type { LedgerPart } from './ledger-parts.js'
import { defineSessionModel, notificationSummary, sessionContextIdentity } from './session-machine.js'
import type { ModelPath, TimedSnapshot } from './timed-model.js'

type SemaphoreMachine = typeof semaphoreMachine
export type SemaphoreModelSnapshot = TimedSnapshot<SemaphoreMachine>
export type SemaphoreModelPath = ModelPath<SemaphoreMachine>
type SemaphoreContext = SemaphoreModelSnapshot['machine']['context']

/**
 * The context that decides what the semaphore does next: everything a guard or a delay reads,
 * and the record write it is about to send (so two paths merged into one model state go on
 * alike). The monitor's index only matters as the input of its next read.
 */
function contextIdentity(context: SemaphoreContext) {
  return {
    ...sessionContextIdentity(context),
    holders: context.lease?.holders ?? null,
    recordWrite:
      context.recordWrite === null
        ? null
        : { value: context.recordWrite.value, modifyIndex: String(context.recordWrite.modifyIndex) },
    freeAtIndex: String(context.freeAtIndex),
  }
}

/** What of a notification the model predicts exactly: a slot's holders too. */
function summary(event: SemaphoreNotification): Record<string, unknown> {
  if (event.type !== 'semaphore.acquired') return notificationSummary(event)
  return { type: event.type, session: event.session, limit: event.limit, holders: event.holders }
}

/** The `.lock` record among `pairs`, decoded as Go writes it (test-side, not the machine's code). */
function recordIn(pairs: readonly (KVPair | null)[]) {
  const pair = pairs.find((candidate) => candidate?.key === recordKey(PREFIX))
  if (pair === undefined || pair === null) return { modifyIndex: 0n, holders: [] as string[] }
  let holders: string[] = []
  try {
    holders = Object.keys((JSON.parse(pair.value?.toString() ?? '{}') as { Holders?: object }).Holders ?? {})
  } catch {}
  return { modifyIndex: pair.modifyIndex, holders }
}

/**
 * Whenever the semaphore is idle, no contender key it wrote is left: each was deleted, or went
 * with its session (behavior `delete`: destroyed, or found gone). A contender write that failed
 * may have been applied, so it counts as written.
 */
function contenderKeysRemoved(): LedgerPart {
  /** Contender keys that may exist, with the session holding each. */
  const keys = new Map<string, string>()
  const dropSession = (session: string | undefined) => {
    for (const [key, holder] of keys) if (holder === session) keys.delete(key)
  }
  return {
    answered(actor, input, answer) {
      const { key, session } = input as { key?: string; session?: string }
      if (actor === 'acquireContender' && key !== undefined && session !== undefined) {
        if (!('output' in answer) || answer.output === true) keys.set(key, session)
      }
      // A delete that fails is the semaphore's last word on that key (it reports the error).
      if (actor === 'deleteContender' && key !== undefined) keys.delete(key)
      if (actor === 'destroySession') dropSession(session)
      if (actor === 'renewSession' && 'output' in answer && answer.output === null) dropSession(session)
    },
    check(snapshot, _emitted, at) {
      if (snapshot.hasTag('idle')) expect([...keys.keys()], `contender keys left behind, ${at}`).toEqual([])
    },
  }
}

/**
 * Every write of the record is a check-and-set at the ModifyIndex the semaphore last read it at,
 * with our limit; a claim (after a listing) adds our session, a removal (after a read of the
 * record) takes it out. A slot is only announced (`semaphore.acquired`) right after a claim was
 * written, or a listing showed the record listing us and our contender key carrying our session
 * (a reclaim). Once idle, the record no longer lists us, unless an error was reported.
 */
function recordCheckAndSet(): LedgerPart {
  let session: string | undefined
  let lastRead: { actor: 'listPrefix' | 'readRecord'; pairs: readonly (KVPair | null)[] } | undefined
  /** The last answer announced a slot of ours: a claim written, or a listing showing it ours. */
  let slotTaken = false
  /** The record lists our session, as far as the answers so far tell. */
  let listed = false
  let errorReported = false
  const listsUs = (pairs: readonly (KVPair | null)[]) => recordIn(pairs).holders.includes(session ?? '')
  return {
    answered(actor, input, answer) {
      slotTaken = false
      if (actor === 'acquireContender') {
        session = (input as { session: string }).session
        listed = false
      }
      if (actor === 'writeRecord') {
        const write = input as { value: string; modifyIndex: bigint }
        const record = JSON.parse(write.value) as { Limit: number; Holders: Record<string, boolean> }
        expect(lastRead, 'a record write follows a read').toBeDefined()
        expect(write.modifyIndex, 'the check-and-set names the index read').toBe(
          recordIn(lastRead?.pairs ?? []).modifyIndex,
        )
        expect(record.Limit, 'the record keeps the limit').toBe(LIMIT)
        const claim = lastRead?.actor === 'listPrefix'
        expect(
          Object.keys(record.Holders).includes(session ?? ''),
          claim ? 'a claim adds us' : 'a removal takes us out',
        ).toBe(claim)
        const written = 'output' in answer && answer.output === true
        slotTaken = claim && written
        // A write that failed may have been applied: a claim may list us now.
        if (written || (claim && 'error' in answer)) listed = claim
      }
      if (!('output' in answer)) return
      if (actor === 'listPrefix') {
        const { pairs } = answer.output as PrefixListing
        lastRead = { actor, pairs }
        const ownKey = pairs.find((pair) => pair.key === contenderKey(PREFIX, session ?? ''))
        listed = listsUs(pairs)
        slotTaken = listed && ownKey?.session === session
      }
      if (actor === 'readRecord') {
        lastRead = { actor, pairs: [(answer.output as KeyRead).pair] }
        listed = listsUs(lastRead.pairs)
      }
    },
    check(snapshot, emitted, at) {
      for (const event of emitted) {
        if (event.type === 'semaphore.error') errorReported = true
        if (event.type !== 'semaphore.acquired') continue
        expect(slotTaken, `acquired only after a claim was written or a slot reclaimed, ${at}`).toBe(true)
        const acquired = event as Extract<SemaphoreNotification, { type: 'semaphore.acquired' }>
        expect(acquired.session, at).toBe(snapshot.context.session)
        expect(acquired.holders, at).toContain(acquired.session)
        expect(acquired.limit, at).toBe(LIMIT)
      }
      if (!snapshot.hasTag('idle')) return
      if (!errorReported) expect(listed, `idle, and the record still lists us, ${at}`).toBe(false)
      errorReported = false
    },
  }
}

export const SEMAPHORE = defineSessionModel<SemaphoreMachine, SemaphoreFakes>({
  id: 'semaphore',
  machine: semaphoreMachine,
  contextIdentity,
  summary,
  start: (input) => startSemaphore(input),
  writes: new Set([
    'createSession',
    'destroySession',
    'acquireContender',
    'writeRecord',
    'deleteContender',
    'deleteRecord',
  ]),
  ledgerParts: () => [contenderKeysRemoved(), recordCheckAndSet()],
})
