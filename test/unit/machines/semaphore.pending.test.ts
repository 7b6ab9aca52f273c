/**
 * The semaphore machine from ACQUIRE to held: its contender key, the waiting loop over the
 * prefix (conflicts, limit, reclaim, a full semaphore) and the check-and-set claim of a slot.
 */
import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import type { SemaphoreOptions } from '../../../machines/semaphore.options.js'
import { ConsulError, SemaphoreConflictError, SemaphoreLimitError } from '../../../src/errors.js'
import { permissionDenied } from '../../support/consul-errors.js'
import { answer, type FakeActor, fail } from '../../support/machine-harness.js'
import {
  contenderPair,
  driveToClaiming,
  driveToContending,
  driveToWaiting,
  expectTakenOutOfRecord,
  LIMIT,
  listing,
  PREFIX,
  recordPair,
  type SemaphoreHarness,
  startSemaphore,
  VALUE,
} from '../../support/semaphore-harness.js'

function semaphore(options: Partial<SemaphoreOptions> = {}): SemaphoreHarness {
  return startSemaphore({ prefix: PREFIX, limit: LIMIT, value: VALUE, ...options })
}

const RECORD_KEY = `${PREFIX}/.lock`

/** Answers the cleanup of a contender whose key was written: delete it, destroy the session. */
async function expectContenderCleanedUp(h: SemaphoreHarness, session = 'sess-1'): Promise<void> {
  expect(h.matches('abandoning.deletingContender')).toBe(true)
  expect(h.fakes.deleteContender.last().input).toEqual({ key: `${PREFIX}/${session}` })
  await answer(h.fakes.deleteContender, undefined)
  if (h.snapshot().context.ownsSession) {
    expect(h.fakes.destroySession.last().input).toEqual({ session })
    await answer(h.fakes.destroySession, undefined)
  }
  expect(h.matches('idle')).toBe(true)
}

/** Fails the pending call of `fake`: reported as semaphore.error, then the contender key is cleaned up. */
async function expectFailureCleanedUp<TInput, TOutput>(
  h: SemaphoreHarness,
  fake: FakeActor<TInput, TOutput>,
  error: Error,
): Promise<void> {
  await fail(fake, error)
  expect(h.notified('semaphore.error')).toEqual([{ type: 'semaphore.error', prefix: PREFIX, error }])
  await expectContenderCleanedUp(h)
}

describe('semaphore machine: ACQUIRE', () => {
  it('starts idle', () => {
    const h = semaphore()
    expect(h.matches('idle')).toBe(true)
    expect(h.snapshot().hasTag('idle')).toBe(true)
  })

  it('creates a session as Go does (name, TTL, behavior delete), then writes its contender key <prefix>/<session>', async () => {
    const h = semaphore({ prefix: `${PREFIX}//` })
    await h.send({ type: 'ACQUIRE' })
    expect(h.fakes.createSession.inputs()).toEqual([
      { sessionOptions: { name: 'Consul API Semaphore', ttl: '15s', behavior: 'delete' } },
    ])
    expect(h.snapshot().hasTag('pending')).toBe(true)
    await answer(h.fakes.createSession, { id: 'sess-1', elapsedMs: 0 })
    expect(h.fakes.acquireContender.inputs()).toEqual([
      { key: `${PREFIX}/sess-1`, session: 'sess-1', value: VALUE },
    ])
    expect(h.snapshot().hasTag('pending')).toBe(true)
  })

  it("with the caller's session: creates none, never renews it, and contends with it", async () => {
    const h = semaphore({ session: 'caller-sess' })
    await h.send({ type: 'ACQUIRE' })
    expect(h.fakes.createSession.calls).toHaveLength(0)
    expect(h.fakes.acquireContender.inputs()).toEqual([
      { key: `${PREFIX}/caller-sess`, session: 'caller-sess', value: VALUE },
    ])
    await h.advance(60_000)
    expect(h.fakes.renewSession.calls).toHaveLength(0)
  })

  it('lists the prefix at once once its contender key is written, then blocks with semaphoreWaitTime', async () => {
    const h = semaphore({ semaphoreWaitTime: '3s' })
    await driveToWaiting(h)
    expect(h.fakes.listPrefix.last().input).toEqual({
      prefix: PREFIX,
      index: 0n,
      waitMs: 3_000,
      consistent: false,
    })
  })

  it('ignores a second ACQUIRE while pending', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    await h.send({ type: 'ACQUIRE' })
    expect(h.fakes.createSession.calls).toHaveLength(1)
    expect(h.fakes.acquireContender.calls).toHaveLength(1)
    expect(h.fakes.listPrefix.calls).toHaveLength(1)
  })
})

describe('semaphore machine: the contender key', () => {
  it('refused (Consul answered false): semaphore.error "failed to make contender entry", its session destroyed', async () => {
    const h = semaphore()
    await driveToContending(h)
    await answer(h.fakes.acquireContender, false)
    const [notice] = h.notified('semaphore.error')
    expect(notice?.error).toMatchObject({ code: 'ESEMCONTENDER', message: 'failed to make contender entry' })
    // Nothing was written: no contender key to delete.
    expect(h.matches('abandoning.destroyingSession')).toBe(true)
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.deleteContender.calls).toHaveLength(0)
  })

  it("refused with the caller's session: semaphore.error, idle, nothing deleted or destroyed", async () => {
    const h = semaphore({ session: 'caller-sess' })
    await driveToContending(h)
    await answer(h.fakes.acquireContender, false)
    expect(h.notifiedTypes()).toEqual(['semaphore.error'])
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.deleteContender.calls).toHaveLength(0)
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })

  it.each([
    ['its own session', {}],
    ["the caller's session", { session: 'sess-1' }],
  ])(
    'a failed write with %s: semaphore.error, and the key it may have written is deleted',
    async (_kind, options) => {
      const h = semaphore(options)
      await driveToContending(h)
      await expectFailureCleanedUp(
        h,
        h.fakes.acquireContender,
        permissionDenied('PUT', `/v1/kv/${PREFIX}/sess-1`),
      )
    },
  )
})

describe('semaphore machine: waiting', () => {
  it('claims a free slot: the record with us added, exactly as Go encodes it, by check-and-set on its ModifyIndex', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    await answer(h.fakes.listPrefix, listing(['other-1'], { waiters: ['sess-1'], recordIndex: 7n }))
    expect(h.matches('session.semaphore.pending.claiming.inFlight')).toBe(true)
    expect(h.fakes.writeRecord.inputs()).toEqual([
      { key: RECORD_KEY, value: '{"Limit":2,"Holders":{"other-1":true,"sess-1":true}}', modifyIndex: 7n },
    ])
  })

  it('creates a missing record only if it is still missing (check-and-set at index 0)', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    await answer(h.fakes.listPrefix, { pairs: [contenderPair('sess-1')], index: 4n })
    expect(h.fakes.writeRecord.last().input).toEqual({
      key: RECORD_KEY,
      value: '{"Limit":2,"Holders":{"sess-1":true}}',
      modifyIndex: 0n,
    })
  })

  it('prunes holders whose contender key is gone before counting, and writes them out', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    // Full on paper, but `dead` has no key carrying its session any more.
    const pairs = [
      recordPair(['alive', 'dead'], { modifyIndex: 8n }),
      contenderPair('alive'),
      contenderPair('sess-1'),
    ]
    await answer(h.fakes.listPrefix, { pairs, index: 9n })
    expect(h.fakes.writeRecord.last().input).toEqual({
      key: RECORD_KEY,
      value: '{"Limit":2,"Holders":{"alive":true,"sess-1":true}}',
      modifyIndex: 8n,
    })
  })

  it('blocks on the returned index while every slot is held by a live session', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    await answer(h.fakes.listPrefix, listing(['a', 'b'], { waiters: ['sess-1'], index: 20n }))
    expect(h.matches('session.semaphore.pending.waiting')).toBe(true)
    expect(h.fakes.listPrefix.last().input).toEqual({
      prefix: PREFIX,
      index: 20n,
      waitMs: 15_000,
      consistent: false,
    })
    await answer(h.fakes.listPrefix, listing(['a', 'b'], { waiters: ['sess-1'], index: 23n }))
    expect(h.fakes.listPrefix.last().input.index).toBe(23n)
    expect(h.fakes.writeRecord.calls).toHaveLength(0)
    // A slot frees up: claimed.
    await answer(h.fakes.listPrefix, listing(['a'], { waiters: ['sess-1'], index: 24n, recordIndex: 24n }))
    expect(h.fakes.writeRecord.last().input.modifyIndex).toBe(24n)
  })

  it('reclaims the slot its session already holds, without a write (Consul #14118)', async () => {
    const h = semaphore({ session: 'sess-1' })
    await driveToWaiting(h)
    await answer(h.fakes.listPrefix, listing(['other-1', 'sess-1'], { index: 30n }))
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.fakes.writeRecord.calls).toHaveLength(0)
    expect(h.notified('semaphore.acquired')).toEqual([
      {
        type: 'semaphore.acquired',
        prefix: PREFIX,
        session: 'sess-1',
        limit: LIMIT,
        holders: ['other-1', 'sess-1'],
      },
    ])
    // The monitor blocks from the listing that showed the slot ours.
    expect(h.fakes.listPrefix.last().input).toEqual({ prefix: PREFIX, index: 30n, consistent: true })
  })

  it.each([
    ['its own session', {}],
    ["the caller's session", { session: 'sess-1' }],
  ])(
    'a record with other flags (a lock uses it) with %s: ESEMCONFLICT, contender key deleted',
    async (_kind, options) => {
      const h = semaphore(options)
      await driveToWaiting(h)
      const pairs = [recordPair([], { flags: LOCK_FLAG_VALUE }), contenderPair('sess-1')]
      await answer(h.fakes.listPrefix, { pairs, index: 3n })
      const [notice] = h.notified('semaphore.error')
      expect(notice?.error).toBeInstanceOf(SemaphoreConflictError)
      expect(notice?.error).toMatchObject({ code: 'ESEMCONFLICT', prefix: PREFIX, flags: LOCK_FLAG_VALUE })
      expect(h.fakes.writeRecord.calls).toHaveLength(0)
      await expectContenderCleanedUp(h)
    },
  )

  it("a record with another limit: ESEMLIMIT with Go's text", async () => {
    const h = semaphore()
    await driveToWaiting(h)
    await answer(h.fakes.listPrefix, listing(['other-1'], { waiters: ['sess-1'], limit: 3 }))
    const [notice] = h.notified('semaphore.error')
    expect(notice?.error).toBeInstanceOf(SemaphoreLimitError)
    expect(notice?.error.message).toBe('semaphore limit conflict (lock: 3, local: 2)')
    expect(notice?.error).toMatchObject({ code: 'ESEMLIMIT', recordLimit: 3, localLimit: 2 })
    await expectContenderCleanedUp(h)
  })

  it('a record that is not JSON: semaphore.error ESEMRECORD ("lock decoding failed")', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    const pairs = [recordPair([], { value: Buffer.from('not json') }), contenderPair('sess-1')]
    await answer(h.fakes.listPrefix, { pairs, index: 3n })
    const [notice] = h.notified('semaphore.error')
    expect(notice?.error).toMatchObject({ code: 'ESEMRECORD' })
    expect(notice?.error.message).toMatch(/^lock decoding failed: /)
    await expectContenderCleanedUp(h)
  })

  it('a failed list: semaphore.error with that error, contender key deleted, session destroyed', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    await expectFailureCleanedUp(h, h.fakes.listPrefix, permissionDenied('GET', `/v1/kv/${PREFIX}/`))
  })
})

describe('semaphore machine: claiming', () => {
  it('written: held, semaphore.acquired with the holders of the record it wrote, monitor reading at once', async () => {
    const h = semaphore()
    await driveToClaiming(h)
    await answer(h.fakes.writeRecord, true)
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.snapshot().hasTag('pending')).toBe(false)
    expect(h.matches('session.semaphore.held.monitoring.watching')).toBe(true)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired'])
    expect(h.notified('semaphore.acquired')).toEqual([
      {
        type: 'semaphore.acquired',
        prefix: PREFIX,
        session: 'sess-1',
        limit: LIMIT,
        holders: ['other-1', 'sess-1'],
      },
    ])
    expect(h.fakes.listPrefix.last().input).toEqual({ prefix: PREFIX, index: 0n, consistent: true })
  })

  it('a lost check-and-set (the record changed): lists the prefix again at once', async () => {
    const h = semaphore()
    await driveToClaiming(h)
    const lists = h.fakes.listPrefix.calls.length
    await answer(h.fakes.writeRecord, false)
    expect(h.matches('session.semaphore.pending.waiting')).toBe(true)
    expect(h.fakes.listPrefix.calls).toHaveLength(lists + 1)
    expect(h.fakes.listPrefix.last().input.index).toBe(0n)
    // Someone else took the last slot meanwhile: wait.
    await answer(h.fakes.listPrefix, listing(['other-1', 'other-2'], { waiters: ['sess-1'], index: 40n }))
    expect(h.fakes.listPrefix.last().input.index).toBe(40n)
    expect(h.notifiedTypes()).toEqual([])
  })

  it('a failed write: semaphore.error, then a full cleanup (the write may have listed us)', async () => {
    const h = semaphore()
    await driveToClaiming(h)
    const error = new ConsulError({
      status: 500,
      body: 'rpc error',
      method: 'PUT',
      path: `/v1/kv/${RECORD_KEY}`,
    })
    await fail(h.fakes.writeRecord, error)
    expect(h.notified('semaphore.error')).toEqual([{ type: 'semaphore.error', prefix: PREFIX, error }])
    expect(h.matches('abandoning.readingRecord')).toBe(true)
    expect(h.fakes.readRecord.last().input).toEqual({ key: RECORD_KEY, index: 0n, consistent: false })
    await expectTakenOutOfRecord(h, ['other-1', 'sess-1'], 12n)
    await expectContenderCleanedUp(h)
  })
})
