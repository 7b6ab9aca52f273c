/**
 * The renewal region in the semaphore machine (the lock's, shared): renewals while pending and
 * held, suspect while they fail, a loss at the local lease deadline, and a session the server
 * no longer knows.
 */
import { describe, expect, it } from 'vitest'
import { rpcError } from '../../support/consul-errors.js'
import { answer, fail } from '../../support/machine-harness.js'
import {
  driveToClaiming,
  driveToHeld,
  driveToWaiting,
  finishCleanup,
  LIMIT,
  PREFIX,
  type SemaphoreHarness,
  startSemaphore,
} from '../../support/semaphore-harness.js'

const renewError = () => rpcError('PUT', '/v1/session/renew/sess-1')

function semaphore(): SemaphoreHarness {
  return startSemaphore({ prefix: PREFIX, limit: LIMIT })
}

describe('semaphore machine: renewing', () => {
  it('renews its session at TTL/2, already while waiting for a slot', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    await h.advance(7_499)
    expect(h.fakes.renewSession.calls).toHaveLength(0)
    await h.advance(1)
    expect(h.fakes.renewSession.inputs()).toEqual([{ session: 'sess-1' }])
    expect(h.matches('session.semaphore.pending.waiting')).toBe(true)
  })

  it('a failed renew while held: suspect (semaphore.suspect renew-failed) until a renew succeeds', async () => {
    const h = semaphore()
    await driveToHeld(h)
    await h.advance(7_500)
    const error = renewError()
    await fail(h.fakes.renewSession, error)
    expect(h.snapshot().hasTag('suspect')).toBe(true)
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.notified('semaphore.suspect')).toEqual([
      { type: 'semaphore.suspect', prefix: PREFIX, cause: 'renew-failed', error },
    ])
    await h.advance(1_000)
    await answer(h.fakes.renewSession, { ttlMs: 15_000, elapsedMs: 0 })
    expect(h.snapshot().hasTag('suspect')).toBe(false)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.suspect'])
  })

  it('renewals failing until the local lease deadline: semaphore.lost(renew-failed) exactly then, then cleaned up', async () => {
    const h = semaphore()
    await driveToHeld(h)
    h.fakes.renewSession.autoAnswer(() => {
      throw renewError()
    })
    await h.advance(14_999)
    expect(h.notified('semaphore.lost')).toEqual([])
    await h.advance(1)
    expect(h.notified('semaphore.lost')).toEqual([
      { type: 'semaphore.lost', prefix: PREFIX, reason: 'renew-failed' },
    ])
    expect(h.matches('abandoning.readingRecord')).toBe(true)
    await finishCleanup(h, ['other-1', 'sess-1'])
    expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
  })

  it('a 404 while held: semaphore.lost(session-invalidated), then cleaned up', async () => {
    const h = semaphore()
    await driveToHeld(h)
    const monitor = h.fakes.listPrefix.last()
    await h.advance(7_500)
    await answer(h.fakes.renewSession, null)
    expect(h.notified('semaphore.lost')).toEqual([
      { type: 'semaphore.lost', prefix: PREFIX, reason: 'session-invalidated' },
    ])
    expect(monitor.signal.aborted).toBe(true)
    await finishCleanup(h)
  })

  it('a 404 while waiting: the contender key went with the session, so a new session starts over', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    const list = h.fakes.listPrefix.last()
    await h.advance(7_500)
    await answer(h.fakes.renewSession, null)
    expect(list.signal.aborted).toBe(true)
    expect(h.matches('creatingSession')).toBe(true)
    await answer(h.fakes.createSession, { id: 'sess-2', elapsedMs: 0 })
    expect(h.fakes.acquireContender.last().input).toMatchObject({
      key: `${PREFIX}/sess-2`,
      session: 'sess-2',
    })
    expect(h.fakes.deleteContender.calls).toHaveLength(0)
    expect(h.notifiedTypes()).toEqual([])
  })

  it('the lease running out while waiting: semaphore.error, the contender key deleted, the session destroyed', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    h.fakes.renewSession.autoAnswer(() => {
      throw renewError()
    })
    await h.advance(15_000)
    expect(h.notifiedTypes()).toEqual(['semaphore.error'])
    expect(h.matches('abandoning.deletingContender')).toBe(true)
    await finishCleanup(h)
  })

  it('the lease running out while a claim is in flight: the claim is answered, then fully cleaned up', async () => {
    const h = semaphore()
    await driveToClaiming(h)
    h.fakes.renewSession.autoAnswer(() => {
      throw renewError()
    })
    await h.advance(15_000)
    expect(h.notifiedTypes()).toEqual(['semaphore.error'])
    expect(h.fakes.writeRecord.last().signal.aborted).toBe(false)
    expect(h.snapshot().hasTag('releasing')).toBe(true)
    await answer(h.fakes.writeRecord, true)
    expect(h.snapshot().hasTag('held')).toBe(false)
    expect(h.matches('abandoning.readingRecord')).toBe(true)
    await finishCleanup(h, ['other-1', 'sess-1'])
    expect(h.notified('semaphore.acquired')).toEqual([])
  })
})
