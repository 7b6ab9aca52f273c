import { describe, expect, it } from 'vitest'
import { waitFor } from 'xstate'
import { SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import type { SemaphoreLease } from '../../../src/semaphore.js'
import { useClientSuite } from '../../support/client-target.js'
import { againstRealConsul } from '../../support/consul-target.js'
import { expectNoLeakedSessions, nextNotification, whenAborted } from '../../support/lock-helpers.js'
import { semaphoreIdle, useSemaphores } from '../../support/semaphore-helpers.js'

const suite = useClientSuite('semaphore-monitor')
const semaphores = useSemaphores(suite)

function devServer() {
  const server = suite.target.server
  if (server === undefined) throw new Error('dev server expected')
  return server
}

/**
 * Makes the monitor's blocking read of the prefix return (our session rewrites its contender
 * key), so its next read is a new request that injected failures apply to.
 */
async function wakeMonitor(lease: SemaphoreLease) {
  const key = `${lease.prefix}/${lease.session}`
  expect(await suite.consul.kv.acquire(key, lease.session, 'touched', { flags: SEMAPHORE_FLAG_VALUE })).toBe(
    true,
  )
}

// Failing the monitor's reads on purpose needs the dev server's fault injection.
describe.skipIf(againstRealConsul)('the monitor of a held slot', () => {
  it('rides out fewer 500s than monitorRetries: suspect, then sound again once a read succeeds', async () => {
    const prefix = semaphores.prefix('ride-out')
    const semaphore = semaphores.semaphore({ prefix, limit: 1, monitorRetries: 3, monitorRetryTime: 50 })
    const lease = await semaphore.acquire()
    // Every change of the suspect tag, from here on.
    const suspectTag: boolean[] = []
    const onSnapshot = semaphore.actor.subscribe((snapshot) => {
      if (snapshot.hasTag('suspect') !== (suspectTag.at(-1) ?? false))
        suspectTag.push(snapshot.hasTag('suspect'))
    })
    const firstSuspect = nextNotification(semaphore.actor, 'semaphore.suspect')
    try {
      devServer().faults.failNext(2, { method: 'GET', pathPrefix: `/v1/kv/${prefix}` })
      await wakeMonitor(lease)

      const suspect = await firstSuspect
      expect(suspect).toMatchObject({ type: 'semaphore.suspect', prefix, cause: 'monitor-failed' })
      expect(suspect.error).toMatchObject({ code: 'ECONSUL', status: 500 })
      expect(semaphore.held).toBe(true)

      await waitFor(semaphore.actor, (snapshot) => !snapshot.hasTag('suspect'))
      expect(suspectTag).toEqual([true, false])
      expect(semaphore.held).toBe(true)
      expect(lease.lost.aborted).toBe(false)
    } finally {
      onSnapshot.unsubscribe()
      devServer().faults.clear()
    }
    await semaphore.release()
  })

  it('gives up with reason monitor-failed when failures outnumber monitorRetries', async () => {
    const prefix = semaphores.prefix('run-out')
    const semaphore = semaphores.semaphore({ prefix, limit: 1, monitorRetries: 3, monitorRetryTime: 50 })
    const lease = await semaphore.acquire()
    const lost = whenAborted(lease.lost)
    const notified = nextNotification(semaphore.actor, 'semaphore.lost')
    try {
      devServer().faults.failNext(4, { method: 'GET', pathPrefix: `/v1/kv/${prefix}` })
      const failingSince = performance.now()
      await wakeMonitor(lease)

      const { reason, at } = await lost
      expect(reason).toMatchObject({ code: 'ESEMLOST', reason: 'monitor-failed' })
      expect(await notified).toEqual({ type: 'semaphore.lost', prefix, reason: 'monitor-failed' })
      // Three retries 50 ms apart, then the fourth failure ends it.
      expect(at - failingSince).toBeGreaterThanOrEqual(3 * 50)
      expect(at - failingSince).toBeLessThan(1000)
    } finally {
      devServer().faults.clear()
    }
    await semaphoreIdle(semaphore)
    await expectNoLeakedSessions(suite.consul, [lease.session])
  })

  it('gives up at the first failure with the default monitorRetries 0, as Go does', async () => {
    const prefix = semaphores.prefix('no-retries')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const lease = await semaphore.acquire()
    const lost = whenAborted(lease.lost)
    try {
      devServer().faults.failNext(1, { method: 'GET', pathPrefix: `/v1/kv/${prefix}` })
      await wakeMonitor(lease)
      expect((await lost).reason).toMatchObject({ reason: 'monitor-failed' })
    } finally {
      devServer().faults.clear()
    }
    await semaphoreIdle(semaphore)
    await expectNoLeakedSessions(suite.consul, [lease.session])
  })
})
