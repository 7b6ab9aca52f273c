/**
 * The renewal region of the lock machine: renew at TTL/2, adopt the server's TTL, failures and
 * timeouts (suspect), the local lease deadline, 404 (invalidated) and sessions without a TTL.
 */
import { describe, expect, it } from 'vitest'
import { rpcError, sessionRejection } from '../../support/consul-errors.js'
import {
  answer,
  driveToAcquiring,
  driveToHeld,
  driveToWaiting,
  fail,
  finishCleanup,
  type LockHarness,
  startLock,
} from '../../support/lock-harness.js'

const KEY = 'service/leader'

const renewError = () => rpcError('PUT', '/v1/session/renew/sess-1')

describe('lock machine: renewing', () => {
  it('renews its session at TTL/2, already while waiting for the lock', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    await h.advance(7_499)
    expect(h.fakes.renewSession.calls).toHaveLength(0)
    await h.advance(1)
    expect(h.fakes.renewSession.inputs()).toEqual([{ session: 'sess-1' }])
    expect(h.matches('session.renewing.keepingAlive.renewingSession')).toBe(true)
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
  })

  it('adopts the TTL the server answers with: the next renew comes at the new TTL/2', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await h.advance(7_500)
    await answer(h.fakes.renewSession, { ttlMs: 20_000, elapsedMs: 0 })
    expect(h.snapshot().context.ttlMs).toBe(20_000)
    expect(h.matches('session.renewing.keepingAlive.scheduled')).toBe(true)
    await h.advance(9_999)
    expect(h.fakes.renewSession.calls).toHaveLength(1)
    await h.advance(1)
    expect(h.fakes.renewSession.calls).toHaveLength(2)
    expect(h.notifiedTypes()).toEqual(['lock.acquired'])
  })

  it('keeps renewing every TTL/2 while held', async () => {
    const h = startLock({ key: KEY, sessionTTL: '10s' })
    await driveToHeld(h)
    h.fakes.renewSession.autoAnswer(() => ({ ttlMs: 10_000, elapsedMs: 0 }))
    await h.advance(60_000)
    expect(h.fakes.renewSession.calls).toHaveLength(12)
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.snapshot().hasTag('suspect')).toBe(false)
  })

  it('a 404 while held: lock.lost(session-invalidated), then the key is released and the session destroyed', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    const monitor = h.fakes.readKey.last()
    await h.advance(7_500)
    await answer(h.fakes.renewSession, null)
    expect(h.notified('lock.lost')).toEqual([{ type: 'lock.lost', key: KEY, reason: 'session-invalidated' }])
    expect(monitor.signal.aborted).toBe(true)
    expect(h.matches('abandoning.releasingKey')).toBe(true)
    await finishCleanup(h, false)
    expect(h.fakes.releaseKey.calls).toHaveLength(1)
    expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
  })

  it('a 404 while pending: a new session is created and the lock goes on with it', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    const read = h.fakes.readKey.last()
    await h.advance(7_500)
    await answer(h.fakes.renewSession, null)
    expect(read.signal.aborted).toBe(true)
    expect(h.matches('creatingSession')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(2)
    expect(h.notifications).toEqual([])
    await answer(h.fakes.createSession, { id: 'sess-2', elapsedMs: 0 })
    await answer(h.fakes.readKey, { pair: null, index: 3n })
    expect(h.fakes.acquireKey.last().input.session).toBe('sess-2')
    await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 1n, modifyIndex: 4n })
    expect(h.notified('lock.acquired')[0]?.session).toBe('sess-2')
    // The gone session is not destroyed: nothing of it is left on the server.
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })

  it.each([
    [
      'a 404',
      driveToWaiting,
      async (h: LockHarness) => {
        await h.advance(1_000)
        await answer(h.fakes.renewSession, null)
      },
    ],
    [
      'an acquire refused for the session',
      driveToAcquiring,
      (h: LockHarness) => fail(h.fakes.acquireKey, sessionRejection()),
    ],
  ] as const)(
    'a new session after %s starts sound: the failed renews of the gone session are forgotten',
    async (_, start, sessionGone) => {
      const h = startLock({ key: KEY })
      await start(h)
      await h.advance(7_500)
      await fail(h.fakes.renewSession, renewError())
      expect(h.snapshot().context.renewError).toBeDefined()
      await sessionGone(h)
      expect(h.matches('creatingSession.requested')).toBe(true)
      await answer(h.fakes.createSession, { id: 'sess-2', elapsedMs: 0 })
      expect(h.snapshot().context.renewError).toBeUndefined()
      await answer(h.fakes.readKey, { pair: null, index: 3n })
      await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 1n, modifyIndex: 4n })
      expect(h.matches('session.lock.held.lease.sound')).toBe(true)
      expect(h.snapshot().hasTag('suspect')).toBe(false)
      expect(h.notifiedTypes()).toEqual(['lock.acquired'])
    },
  )

  it('a failed renew makes a held lock suspect; the next good renew makes it sound again', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await h.advance(7_500)
    const error = renewError()
    await fail(h.fakes.renewSession, error)
    let snapshot = h.snapshot()
    expect(snapshot.hasTag('suspect')).toBe(true)
    expect(snapshot.hasTag('held')).toBe(true)
    expect(h.matches('session.lock.held.lease.suspect')).toBe(true)
    expect(h.matches('session.renewing.keepingAlive.retrying')).toBe(true)
    expect(h.notified('lock.suspect')).toEqual([
      { type: 'lock.suspect', key: KEY, cause: 'renew-failed', error },
    ])
    // Retried after min(1 s, TTL/4).
    await h.advance(999)
    expect(h.fakes.renewSession.calls).toHaveLength(1)
    await h.advance(1)
    expect(h.fakes.renewSession.calls).toHaveLength(2)
    await fail(h.fakes.renewSession, renewError())
    expect(h.notified('lock.suspect')).toHaveLength(1)
    await h.advance(1_000)
    await answer(h.fakes.renewSession, { ttlMs: 15_000, elapsedMs: 0 })
    snapshot = h.snapshot()
    expect(snapshot.hasTag('suspect')).toBe(false)
    expect(snapshot.hasTag('held')).toBe(true)
    expect(h.matches('session.lock.held.lease.sound')).toBe(true)
    expect(h.notified('lock.lost')).toEqual([])
  })

  it('a renew hung for TTL/4 counts as failed: suspect, aborted, retried', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await h.advance(7_500)
    const hung = h.fakes.renewSession.last()
    await h.advance(3_749)
    expect(h.snapshot().hasTag('suspect')).toBe(false)
    expect(hung.signal.aborted).toBe(false)
    await h.advance(1)
    expect(h.snapshot().hasTag('suspect')).toBe(true)
    expect(hung.signal.aborted).toBe(true)
    const [suspect] = h.notified('lock.suspect')
    expect(suspect?.cause).toBe('renew-failed')
    expect(suspect?.error).toBeInstanceOf(Error)
    expect(suspect?.error).toMatchObject({ message: expect.stringMatching(/timed out/) })
    await h.advance(1_000)
    expect(h.fakes.renewSession.calls).toHaveLength(2)
  })

  it('lost(renew-failed) exactly TTL minus the renew time after the last good renew answered', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await h.advance(7_500)
    await h.advance(100)
    // Answered at 7 600 ms, sent 100 ms earlier: the lease ends at 7 600 + (15 000 − 100) = 22 500 ms.
    await answer(h.fakes.renewSession, { ttlMs: 15_000, elapsedMs: 100 })
    // Every later renew hangs (and times out).
    await h.advance(22_499 - 7_600)
    expect(h.fakes.renewSession.calls.length).toBeGreaterThan(1)
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.snapshot().hasTag('suspect')).toBe(true)
    expect(h.notified('lock.lost')).toEqual([])
    await h.advance(1)
    expect(h.notified('lock.lost')).toEqual([{ type: 'lock.lost', key: KEY, reason: 'renew-failed' }])
    expect(h.matches('abandoning.releasingKey')).toBe(true)
    await finishCleanup(h)
  })

  it('counts the first lease from when the create was sent', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h, { createElapsedMs: 1_000 })
    await h.advance(13_999)
    expect(h.notified('lock.lost')).toEqual([])
    await h.advance(1)
    expect(h.notified('lock.lost')).toEqual([{ type: 'lock.lost', key: KEY, reason: 'renew-failed' }])
  })

  it('a renew answering TTL 0 stops renewal (unmanaged) and keeps the lock', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await h.advance(7_500)
    await answer(h.fakes.renewSession, { ttlMs: 0, elapsedMs: 0 })
    expect(h.matches('session.renewing.unmanaged')).toBe(true)
    await h.advance(120_000)
    expect(h.fakes.renewSession.calls).toHaveLength(1)
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.notified('lock.lost')).toEqual([])
  })

  it('a session created without a TTL (sessionOptions) is never renewed', async () => {
    const h = startLock({ key: KEY, sessionOptions: { name: 'no-ttl' } })
    await driveToWaiting(h)
    expect(h.matches('session.renewing.unmanaged')).toBe(true)
    expect(h.snapshot().context.ownsSession).toBe(true)
    await h.advance(120_000)
    expect(h.fakes.renewSession.calls).toHaveLength(0)
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
  })

  it('renews at the TTL of sessionOptions', async () => {
    const h = startLock({ key: KEY, sessionOptions: { ttl: '30s' } })
    await driveToWaiting(h)
    await h.advance(14_999)
    expect(h.fakes.renewSession.calls).toHaveLength(0)
    await h.advance(1)
    expect(h.fakes.renewSession.calls).toHaveLength(1)
  })

  it('lease deadline while pending: lock.error with the renew failure, session destroyed', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    const read = h.fakes.readKey.last()
    const error = renewError()
    h.fakes.renewSession.autoAnswer(() => {
      throw error
    })
    await h.advance(14_999)
    expect(h.notifications).toEqual([])
    expect(h.snapshot().hasTag('suspect')).toBe(false)
    await h.advance(1)
    expect(h.notifications).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(read.signal.aborted).toBe(true)
    expect(h.matches('abandoning.destroyingSession')).toBe(true)
    await finishCleanup(h)
    expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
  })

  it('lease deadline while pending with hung renews: lock.error says the renew timed out', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    await h.advance(15_000)
    const [notification] = h.notified('lock.error')
    expect(notification?.error.message).toMatch(/timed out/)
  })

  it('stops renewing once released', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await h.send({ type: 'RELEASE' })
    await finishCleanup(h)
    await h.advance(60_000)
    expect(h.fakes.renewSession.calls).toHaveLength(0)
  })
})
