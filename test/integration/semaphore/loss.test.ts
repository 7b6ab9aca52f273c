import { describe, expect, it } from 'vitest'
import { SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import { SemaphoreLostError } from '../../../src/errors.js'
import type { Semaphore, SemaphoreLease } from '../../../src/semaphore.js'
import { useClientSuite } from '../../support/client-target.js'
import { againstRealConsul, ttlTestTimeoutMs } from '../../support/consul-target.js'
import {
  expectNoLeakedSessions,
  nextNotification,
  watchRenewals,
  whenAborted,
} from '../../support/lock-helpers.js'
import { raw } from '../../support/raw-http.js'
import {
  keysUnder,
  readSemaphoreRecord,
  recordJson,
  semaphoreIdle,
  useSemaphores,
} from '../../support/semaphore-helpers.js'

const suite = useClientSuite('semaphore-loss')
const semaphores = useSemaphores(suite)

async function expectCleanAfterLoss(semaphore: Semaphore, lease: SemaphoreLease) {
  await semaphoreIdle(semaphore)
  expect(semaphore.held).toBe(false)
  await expectNoLeakedSessions(suite.consul, [lease.session])
  expect(await keysUnder(suite.consul, lease.prefix)).not.toContain(lease.session)
}

describe('a held slot is lost', () => {
  it('with reason session-invalidated within 1 s when its session is destroyed', async () => {
    const prefix = semaphores.prefix('invalidated')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const lease = await semaphore.acquire()
    const lost = whenAborted(lease.lost)
    const notified = nextNotification(semaphore.actor, 'semaphore.lost')

    const destroyedAt = performance.now()
    const res = await raw(suite.target, 'PUT', `/v1/session/destroy/${lease.session}`)
    expect(res.status).toBe(200)
    const { reason, at } = await lost

    expect(at - destroyedAt).toBeLessThan(1000)
    expect(reason).toBeInstanceOf(SemaphoreLostError)
    expect(reason).toMatchObject({ code: 'ESEMLOST', reason: 'session-invalidated', prefix })
    expect(await notified).toEqual({ type: 'semaphore.lost', prefix, reason: 'session-invalidated' })
    await expectCleanAfterLoss(semaphore, lease)
    // The dead holder no longer counts: the only slot is free for the next contender.
    const next = semaphores.semaphore({ prefix, limit: 1 })
    expect(await next.tryAcquire({ wait: '2s' })).not.toBeNull()
    await next.release()
  })

  it.each([
    [
      'the whole prefix is deleted',
      (prefix: string) => raw(suite.target, 'DELETE', `/v1/kv/${prefix}?recurse`),
    ],
    ['only the .lock record is deleted', (prefix: string) => suite.consul.kv.delete(`${prefix}/.lock`)],
  ])('with reason key-deleted within 1 s when %s', async (_, deleteRecord) => {
    const prefix = semaphores.prefix('deleted')
    const semaphore = semaphores.semaphore({ prefix, limit: 2 })
    const lease = await semaphore.acquire()
    const lost = whenAborted(lease.lost)

    const deletedAt = performance.now()
    await deleteRecord(prefix)
    const { reason, at } = await lost

    expect(at - deletedAt).toBeLessThan(1000)
    expect(reason).toMatchObject({ code: 'ESEMLOST', reason: 'key-deleted' })
    await expectCleanAfterLoss(semaphore, lease)
    // Giving back a lost slot must not recreate the deleted record.
    expect(await readSemaphoreRecord(suite.consul, prefix)).toBeNull()
  })

  it('with reason evicted within 1 s when the record is rewritten without its session', async () => {
    const prefix = semaphores.prefix('evicted')
    const semaphore = semaphores.semaphore({ prefix, limit: 2 })
    const lease = await semaphore.acquire()
    const record = await readSemaphoreRecord(suite.consul, prefix)
    const lost = whenAborted(lease.lost)

    const evictedAt = performance.now()
    const swapped = await suite.consul.kv.put(`${prefix}/.lock`, recordJson(2, []), {
      cas: record?.modifyIndex,
      flags: SEMAPHORE_FLAG_VALUE,
    })
    expect(swapped).toBe(true)
    const { reason, at } = await lost

    expect(at - evictedAt).toBeLessThan(1000)
    expect(reason).toMatchObject({ code: 'ESEMLOST', reason: 'evicted' })
    await expectCleanAfterLoss(semaphore, lease)
  })

  // Failing renewals on purpose needs the dev server's fault injection.
  it.skipIf(againstRealConsul)(
    'with reason renew-failed, after turning suspect, when no renewal gets through for a TTL',
    async () => {
      const server = suite.target.server
      if (server === undefined) throw new Error('dev server expected')
      const prefix = semaphores.prefix('renew-failed')
      const ttl = suite.target.minTTLms
      // Once one renew has succeeded, every later one fails.
      const renewals = watchRenewals(() => {
        server.faults.failNext(1000, { method: 'PUT', pathPrefix: '/v1/session/renew/' })
      })
      const semaphore = semaphores.semaphore(
        { prefix, limit: 1, sessionTTL: ttl },
        { inspect: renewals.inspect },
      )
      try {
        const lease = await semaphore.acquire()
        const suspect = nextNotification(semaphore.actor, 'semaphore.suspect')
        const lost = whenAborted(lease.lost)

        expect(await suspect).toMatchObject({ type: 'semaphore.suspect', prefix, cause: 'renew-failed' })
        expect((await lost).reason).toMatchObject({ code: 'ESEMLOST', reason: 'renew-failed' })
        await expectCleanAfterLoss(semaphore, lease)
      } finally {
        server.faults.clear()
      }
    },
    ttlTestTimeoutMs,
  )
})
