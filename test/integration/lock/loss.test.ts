import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import { LockLostError } from '../../../src/errors.js'
import type { Lease, Lock } from '../../../src/lock.js'
import { useClientSuite } from '../../support/client-target.js'
import { ttlTestTimeoutMs } from '../../support/consul-target.js'
import {
  expectNoLeakedSessions,
  holderOf,
  lockIdle,
  nextNotification,
  useLocks,
  watchRenewals,
  whenAborted,
} from '../../support/lock-helpers.js'

const suite = useClientSuite('lock-loss')
const locks = useLocks(suite)

async function expectCleanAfterLoss(lock: Lock, lease: Lease) {
  await lockIdle(lock)
  expect(lock.held).toBe(false)
  await expectNoLeakedSessions(suite.consul, [lease.session])
  expect(await holderOf(suite.consul, lease.key)).not.toBe(lease.session)
}

describe('a held lock is lost', () => {
  it('with reason session-invalidated within 1 s when its session is destroyed', async () => {
    const lock = locks.lock({ key: locks.key('invalidated') })
    const lease = await lock.acquire()
    const lost = whenAborted(lease.lost)
    const notified = nextNotification(lock.actor, 'lock.lost')

    const destroyedAt = performance.now()
    await suite.consul.session.destroy(lease.session)
    const { reason, at } = await lost

    expect(at - destroyedAt).toBeLessThan(1000)
    expect(reason).toBeInstanceOf(LockLostError)
    expect(reason).toMatchObject({ code: 'ELOCKLOST', reason: 'session-invalidated', key: lease.key })
    expect(await notified).toEqual({ type: 'lock.lost', key: lease.key, reason: 'session-invalidated' })
    await expectCleanAfterLoss(lock, lease)
  })

  it('with reason key-deleted within 1 s when its key is deleted', async () => {
    const key = locks.key('deleted')
    const lock = locks.lock({ key })
    const lease = await lock.acquire()
    const lost = whenAborted(lease.lost)

    const deletedAt = performance.now()
    await suite.consul.kv.delete(key)
    const { reason, at } = await lost

    expect(at - deletedAt).toBeLessThan(1000)
    expect(reason).toMatchObject({ code: 'ELOCKLOST', reason: 'key-deleted' })
    await expectCleanAfterLoss(lock, lease)
    // Giving back a lost lock must not recreate the deleted key.
    expect((await suite.consul.kv.get(key)).value).toBeNull()
  })

  it('with reason taken within 1 s when another session takes the key over', async () => {
    const key = locks.key('taken')
    const lock = locks.lock({ key })
    const lease = await lock.acquire()
    const other = suite.track(await suite.consul.session.create({ lockDelay: 0 }))
    const lost = whenAborted(lease.lost)

    // One atomic write moves the key from our session to another: no moment without a holder.
    const takenAt = performance.now()
    const txn = await suite.consul.txn([
      { verb: 'unlock', key, session: lease.session, flags: LOCK_FLAG_VALUE },
      { verb: 'lock', key, session: other, value: 'usurper', flags: LOCK_FLAG_VALUE },
    ])
    expect(txn.ok).toBe(true)
    const { reason, at } = await lost

    expect(at - takenAt).toBeLessThan(1000)
    expect(reason).toMatchObject({ code: 'ELOCKLOST', reason: 'taken' })
    await expectCleanAfterLoss(lock, lease)
    // Cleaning up after the loss leaves the new holder alone.
    expect(await holderOf(suite.consul, key)).toBe(other)
    await suite.consul.session.destroy(other)
  })

  it(
    'stops renewing after the loss and acquires again afterwards',
    async () => {
      const key = locks.key('after-loss')
      const renewals = watchRenewals()
      const ttl = suite.target.minTTLms
      const lock = locks.lock({ key, sessionTTL: ttl }, { inspect: renewals.inspect })
      const lease = await lock.acquire()
      await renewals.firstRenewal

      await suite.consul.session.destroy(lease.session)
      await whenAborted(lease.lost)
      await expectCleanAfterLoss(lock, lease)
      const renewalsAtIdle = renewals.sent
      // Longer than a renew interval (TTL/2): an idle lock starts no renewal.
      await new Promise((resolve) => setTimeout(resolve, ttl / 2 + 200))
      expect(renewals.sent).toBe(renewalsAtIdle)
      expect(Object.keys(lock.actor.getSnapshot().children)).toEqual([])

      const again = await lock.acquire()
      expect(again.session).not.toBe(lease.session)
      expect(again.lockIndex).toBe(lease.lockIndex + 1n)
      expect(await holderOf(suite.consul, key)).toBe(again.session)
      await lock.release()
    },
    ttlTestTimeoutMs,
  )
})
