import { describe, expect, it } from 'vitest'
import { waitFor } from 'xstate'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import type { LockNotification } from '../../../machines/lock.types.js'
import type { Lease } from '../../../src/lock.js'
import { useClientSuite } from '../../support/client-target.js'
import { againstRealConsul } from '../../support/consul-target.js'
import {
  expectNoLeakedSessions,
  holderOf,
  lockIdle,
  nextNotification,
  useLocks,
  whenAborted,
} from '../../support/lock-helpers.js'

const suite = useClientSuite('lock-monitor')
const locks = useLocks(suite)

function devServer() {
  const server = suite.target.server
  if (server === undefined) throw new Error('dev server expected')
  return server
}

/**
 * Makes the monitor's blocking read return (our session rewrites the key, keeping the lock),
 * so its next read is a new request that injected failures apply to.
 */
async function wakeMonitor(lease: Lease) {
  expect(await suite.consul.kv.acquire(lease.key, lease.session, 'touched', { flags: LOCK_FLAG_VALUE })).toBe(
    true,
  )
}

// Failing the monitor's reads on purpose needs the dev server's fault injection.
describe.skipIf(againstRealConsul)('the monitor of a held lock', () => {
  it('rides out fewer 500s than monitorRetries: suspect until a read succeeds, then sound again', async () => {
    const key = locks.key('ride-out')
    const lock = locks.lock({ key, monitorRetries: 3, monitorRetryTime: 50 })
    const lease = await lock.acquire()
    const suspects: Array<Extract<LockNotification, { type: 'lock.suspect' }>> = []
    const onSuspect = lock.actor.on('lock.suspect', (event) => suspects.push(event))
    // Every change of the suspect tag, from here on.
    const suspectTag: boolean[] = []
    const onSnapshot = lock.actor.subscribe((snapshot) => {
      if (snapshot.hasTag('suspect') !== (suspectTag.at(-1) ?? false))
        suspectTag.push(snapshot.hasTag('suspect'))
    })
    const firstSuspect = nextNotification(lock.actor, 'lock.suspect')
    try {
      devServer().faults.failNext(2, { method: 'GET', pathPrefix: `/v1/kv/${key}` })
      await wakeMonitor(lease)

      const suspect = await firstSuspect
      expect(suspect).toMatchObject({ type: 'lock.suspect', key, cause: 'monitor-failed' })
      expect(suspect.error).toMatchObject({ code: 'ECONSUL', status: 500 })
      expect(lock.actor.getSnapshot().hasTag('suspect')).toBe(true)
      expect(lock.held).toBe(true)

      // A successful read resets the count of consecutive failures.
      await waitFor(lock.actor, (snapshot) => snapshot.context.monitorFailures === 0)
      expect(lock.actor.getSnapshot().hasTag('suspect')).toBe(false)
      expect(lock.held).toBe(true)
      expect(lease.lost.aborted).toBe(false)
      expect(suspects.length).toBeGreaterThanOrEqual(1)
      expect(suspects.every((event) => event.cause === 'monitor-failed')).toBe(true)
      // Suspect from the first failure until the first good answer, not in between retries.
      expect(suspectTag).toEqual([true, false])
      expect(await holderOf(suite.consul, key)).toBe(lease.session)
    } finally {
      onSuspect.unsubscribe()
      onSnapshot.unsubscribe()
      devServer().faults.clear()
    }
    await lock.release()
  })

  it('gives up with reason monitor-failed when failures outnumber monitorRetries', async () => {
    const key = locks.key('run-out')
    const lock = locks.lock({ key, monitorRetries: 3, monitorRetryTime: 50 })
    const lease = await lock.acquire()
    const lost = whenAborted(lease.lost)
    const notified = nextNotification(lock.actor, 'lock.lost')
    try {
      devServer().faults.failNext(4, { method: 'GET', pathPrefix: `/v1/kv/${key}` })
      const failingSince = performance.now()
      await wakeMonitor(lease)

      const { reason, at } = await lost
      expect(reason).toMatchObject({ code: 'ELOCKLOST', reason: 'monitor-failed' })
      expect(await notified).toEqual({ type: 'lock.lost', key, reason: 'monitor-failed' })
      // Three retries 50 ms apart, then the fourth failure ends it.
      expect(at - failingSince).toBeGreaterThanOrEqual(3 * 50)
      expect(at - failingSince).toBeLessThan(1000)
    } finally {
      devServer().faults.clear()
    }
    await lockIdle(lock)
    await expectNoLeakedSessions(suite.consul, [lease.session])
    expect(await holderOf(suite.consul, key)).toBeUndefined()
  })

  it('gives up at the first failure with the default monitorRetries 0, as Go does', async () => {
    const key = locks.key('no-retries')
    const lock = locks.lock({ key })
    const lease = await lock.acquire()
    const lost = whenAborted(lease.lost)
    try {
      devServer().faults.failNext(1, { method: 'GET', pathPrefix: `/v1/kv/${key}` })
      await wakeMonitor(lease)
      expect((await lost).reason).toMatchObject({ reason: 'monitor-failed' })
    } finally {
      devServer().faults.clear()
    }
    await lockIdle(lock)
    await expectNoLeakedSessions(suite.consul, [lease.session])
  })
})
