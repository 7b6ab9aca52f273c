/**
 * The semaphore's try-once budget (tryAcquire, or semaphoreTryOnce): it counts from the ACQUIRE,
 * ends in semaphore.timeout and a cleanup, and a claim in flight when it runs out still counts.
 */
import { describe, expect, it } from 'vitest'
import { answer } from '../../support/machine-harness.js'
import {
  driveToClaiming,
  driveToContending,
  driveToWaiting,
  finishCleanup,
  LIMIT,
  listing,
  PREFIX,
  type SemaphoreHarness,
  startSemaphore,
} from '../../support/semaphore-harness.js'

const TIMEOUT = { type: 'semaphore.timeout', prefix: PREFIX }

function semaphore(
  options: { session?: string; semaphoreWaitTime?: string; semaphoreTryOnce?: boolean } = {},
) {
  return startSemaphore({ prefix: PREFIX, limit: LIMIT, ...options })
}

/** From `waiting`: the semaphore is full, so it blocks. */
async function full(h: SemaphoreHarness): Promise<void> {
  await answer(h.fakes.listPrefix, listing(['a', 'b'], { waiters: ['sess-1'], index: 50n }))
}

describe('semaphore machine: tryOnce budget', () => {
  it('spent while waiting: semaphore.timeout exactly then, the list aborted, the contender key and session removed', async () => {
    const h = semaphore()
    await driveToWaiting(h, { tryOnce: true, wait: '2s' })
    await full(h)
    const list = h.fakes.listPrefix.last()
    await h.advance(1_999)
    expect(h.notifications).toEqual([])
    await h.advance(1)
    expect(h.notifications).toEqual([TIMEOUT])
    expect(list.signal.aborted).toBe(true)
    expect(h.matches('abandoning.deletingContender')).toBe(true)
    await finishCleanup(h)
    expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
    expect(h.notifications).toEqual([TIMEOUT])
  })

  it('counts from the ACQUIRE: what the session create took is spent', async () => {
    const h = semaphore()
    await driveToWaiting(h, { tryOnce: true, wait: '2s', createElapsedMs: 500 })
    await full(h)
    await h.advance(1_499)
    expect(h.notifications).toEqual([])
    await h.advance(1)
    expect(h.notifications).toEqual([TIMEOUT])
  })

  it("with the caller's session: the contender key is deleted, the session kept", async () => {
    const h = semaphore({ session: 'sess-1' })
    await driveToWaiting(h, { tryOnce: true, wait: 500 })
    await h.advance(500)
    expect(h.notifications).toEqual([TIMEOUT])
    await finishCleanup(h)
    expect(h.fakes.deleteContender.inputs()).toEqual([{ key: `${PREFIX}/sess-1` }])
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })

  it('defaults to semaphoreWaitTime, and semaphoreTryOnce makes a bare ACQUIRE try once', async () => {
    const h = semaphore({ session: 'sess-1', semaphoreWaitTime: '3s', semaphoreTryOnce: true })
    await h.send({ type: 'ACQUIRE' })
    await answer(h.fakes.acquireContender, true)
    await h.advance(2_999)
    expect(h.notifications).toEqual([])
    await h.advance(1)
    expect(h.notifications).toEqual([TIMEOUT])
  })

  it('spent while the contender key is written: semaphore.timeout, then the key is deleted once answered', async () => {
    const h = semaphore()
    await driveToContending(h, { tryOnce: true, wait: '1s' })
    await h.advance(1_000)
    expect(h.notifications).toEqual([TIMEOUT])
    expect(h.fakes.acquireContender.last().signal.aborted).toBe(false)
    await answer(h.fakes.acquireContender, true)
    expect(h.fakes.listPrefix.calls).toHaveLength(0)
    await finishCleanup(h)
    expect(h.fakes.deleteContender.calls).toHaveLength(1)
  })

  it('spent while claiming: the last claim is awaited, and written means held', async () => {
    const h = semaphore()
    await driveToClaiming(h, { tryOnce: true, wait: '1s' })
    const claim = h.fakes.writeRecord.last()
    await h.advance(1_000)
    expect(h.matches('session.semaphore.pending.claiming.lastAttempt')).toBe(true)
    expect(claim.signal.aborted).toBe(false)
    expect(h.notifications).toEqual([])
    await answer(h.fakes.writeRecord, true)
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired'])
  })

  it('spent while claiming, the last claim lost: semaphore.timeout, and the contender key removed', async () => {
    const h = semaphore()
    await driveToClaiming(h, { tryOnce: true, wait: '1s' })
    await h.advance(1_000)
    await answer(h.fakes.writeRecord, false)
    expect(h.notifications).toEqual([TIMEOUT])
    expect(h.matches('abandoning.deletingContender')).toBe(true)
    await finishCleanup(h)
  })

  it('a CANCEL during the last claim still waits for its answer, without semaphore.timeout', async () => {
    const h = semaphore()
    await driveToClaiming(h, { tryOnce: true, wait: '1s' })
    await h.advance(1_000)
    await h.send({ type: 'CANCEL' })
    expect(h.matches('session.semaphore.pending.claiming.cancelled')).toBe(true)
    await answer(h.fakes.writeRecord, true)
    await finishCleanup(h, ['other-1', 'sess-1'])
    expect(h.notifications).toEqual([])
  })

  it('a 404 while trying once: semaphore.timeout, no new session (it would restart the budget)', async () => {
    const h = semaphore()
    await driveToWaiting(h, { tryOnce: true, wait: '20s' })
    await full(h)
    await h.advance(7_500)
    await answer(h.fakes.renewSession, null)
    expect(h.notifications).toEqual([TIMEOUT])
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(1)
  })
})
