import { describe, expect, it } from 'vitest'
import { useClientSuite } from '../../support/client-target.js'
import { againstRealConsul, blockingQueriesHeld, ttlTestTimeoutMs } from '../../support/consul-target.js'
import {
  expectNoLeakedSessions,
  holderOf,
  lockIdle,
  nextNotification,
  useLocks,
  watchRenewals,
  whenAborted,
} from '../../support/lock-helpers.js'

const suite = useClientSuite('lock-renewal')
const locks = useLocks(suite)

describe('session renewal', () => {
  it(
    'keeps a lock with the shortest TTL held for three TTLs (the server would expire it after two)',
    async () => {
      const key = locks.key('kept')
      const ttl = suite.target.minTTLms
      const renewals = watchRenewals()
      const lock = locks.lock({ key, sessionTTL: ttl }, { inspect: renewals.inspect })
      const lease = await lock.acquire()

      // Holding the lock for a while is the behaviour under test.
      await new Promise((resolve) => setTimeout(resolve, 3 * ttl))

      expect(lease.lost.aborted).toBe(false)
      expect(lock.held).toBe(true)
      expect((await suite.consul.session.info(lease.session)).value?.id).toBe(lease.session)
      expect(await holderOf(suite.consul, key)).toBe(lease.session)
      // Renewed every TTL/2.
      expect(renewals.succeeded).toBeGreaterThanOrEqual(4)
      await lock.release()
    },
    ttlTestTimeoutMs,
  )

  // Failing renewals on purpose needs the dev server's fault injection.
  it.skipIf(againstRealConsul)(
    'turns suspect at the first failed renew and gives the lock up (renew-failed) a TTL after the last good renew was sent, before the server expires the session',
    async () => {
      const server = suite.target.server
      if (server === undefined) throw new Error('dev server expected')
      const key = locks.key('renew-failed')
      const ttl = suite.target.minTTLms
      let lastGoodSentAt: number | undefined
      // Once one renew has succeeded, every later one fails: no renew ever reaches the server again.
      const renewals = watchRenewals((sentAt) => {
        if (lastGoodSentAt !== undefined) return
        lastGoodSentAt = sentAt
        server.faults.failNext(1000, { method: 'PUT', pathPrefix: '/v1/session/renew/' })
      })
      const lock = locks.lock({ key, sessionTTL: ttl }, { inspect: renewals.inspect })
      try {
        const lease = await lock.acquire()
        const sessionsWhileHeld = server.stats().sessions
        const suspected = nextNotification(lock.actor, 'lock.suspect').then((event) => ({
          event,
          at: performance.now(),
          suspectTag: lock.actor.getSnapshot().hasTag('suspect'),
          held: lock.held,
        }))
        let atLoss: { at: number; sessions: number } | undefined
        const subscription = lock.actor.on('lock.lost', () => {
          // Synchronously, before the lock starts cleaning up: is the session still on the server?
          atLoss = { at: performance.now(), sessions: server.stats().sessions }
        })
        const lost = whenAborted(lease.lost)

        const suspect = await suspected
        const { reason } = await lost
        subscription.unsubscribe()

        expect(suspect.event).toMatchObject({ type: 'lock.suspect', key, cause: 'renew-failed' })
        expect(suspect.event.error).toMatchObject({ code: 'ECONSUL', status: 500 })
        expect(suspect.suspectTag).toBe(true)
        expect(suspect.held).toBe(true)
        expect(reason).toMatchObject({ code: 'ELOCKLOST', reason: 'renew-failed' })
        if (atLoss === undefined || lastGoodSentAt === undefined)
          throw new Error('loss or renew not observed')
        expect(suspect.at).toBeLessThan(atLoss.at)
        // The loss came from the local deadline: the server still had the session.
        expect(atLoss.sessions).toBe(sessionsWhileHeld)
        expect(atLoss.at - lastGoodSentAt).toBeLessThanOrEqual(ttl + 100)
        expect(atLoss.at - lastGoodSentAt).toBeGreaterThanOrEqual(ttl - 20)

        await lockIdle(lock)
        await expectNoLeakedSessions(suite.consul, [lease.session])
        expect(await holderOf(suite.consul, key)).toBeUndefined()
      } finally {
        server.faults.clear()
      }
    },
    ttlTestTimeoutMs,
  )
})

describe('lock-delay', () => {
  it(
    'lets a waiter in no earlier than the end of the lock-delay and within 500 ms after it',
    async () => {
      const key = locks.key('lock-delay')
      const lockDelay = 1000
      const holder = locks.lock({ key, lockDelay })
      const waiter = locks.lock({ key })
      const held = await holder.acquire()
      const attempt = waiter.acquire()
      await blockingQueriesHeld(suite.target, 2)

      // Invalidating the session (not releasing the key) starts the lock-delay.
      const destroyedAt = performance.now()
      await suite.consul.session.destroy(held.session)
      const lease = await attempt
      const elapsed = performance.now() - destroyedAt

      expect(elapsed).toBeGreaterThanOrEqual(lockDelay)
      // The backoff is capped at 500 ms; 250 ms more for the destroy's own apply and the
      // requests of the last attempts on a loaded machine (Go would sleep a flat 5 s).
      expect(elapsed).toBeLessThan(lockDelay + 500 + 250)
      expect(held.lost.reason).toMatchObject({ reason: 'session-invalidated' })
      expect(await holderOf(suite.consul, key)).toBe(lease.session)
      await waiter.release()
    },
    ttlTestTimeoutMs,
  )
})
