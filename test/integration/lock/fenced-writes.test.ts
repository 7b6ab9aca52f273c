import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { LockLostError } from '../../../src/errors.js'
import type { Lease } from '../../../src/lock.js'
import { assertBuildIsFresh } from '../../support/built-package.js'
import { type RunningProcess, startProcess } from '../../support/cli-process.js'
import { useClientSuite } from '../../support/client-target.js'
import { againstRealConsul, ttlTestTimeoutMs } from '../../support/consul-target.js'
import { destroySessionBehindItsBack, storedValue } from '../../support/kv-probes.js'
import { useLocks, whenAborted } from '../../support/lock-helpers.js'

const suite = useClientSuite('fenced-writes')
const locks = useLocks(suite)
const holderScript = fileURLToPath(new URL('../../support/fenced-holder.mjs', import.meta.url))

describe('lease.txn()', () => {
  it('applies the operations and resolves their results alone, without the session check', async () => {
    const lock = locks.lock({ key: locks.key('apply') })
    const lease = await lock.acquire()
    const dataKey = `${suite.prefix}/apply-data`

    const result = await lease.txn([
      { verb: 'set', key: dataKey, value: 'written' },
      { verb: 'get', key: dataKey },
    ])

    expect(result.ok).toBe(true)
    expect(result.errors).toEqual([])
    expect(result.results.map((pair) => pair.key)).toEqual([dataKey, dataKey])
    expect(result.results[1]?.value?.toString()).toBe('written')
    expect(await storedValue(suite.consul, dataKey)).toBe('written')
    await lock.release()
  })

  it("reports a failing operation as ok: false, numbered as in the caller's list, and applies none", async () => {
    const lock = locks.lock({ key: locks.key('rollback') })
    const lease = await lock.acquire()
    const dataKey = `${suite.prefix}/rollback-data`

    const result = await lease.txn([
      { verb: 'set', key: dataKey, value: 'never' },
      { verb: 'cas', key: `${suite.prefix}/rollback-other`, value: 'x', index: 999_999 },
    ])

    expect(result).toMatchObject({ ok: false, results: [] })
    expect(result.errors).toEqual([{ opIndex: 1, what: expect.any(String) }])
    expect(await storedValue(suite.consul, dataKey)).toBeNull()
    expect(lease.lost.aborted).toBe(false)
    await lock.release()
  })

  it("rejects with the lease's LockLostError, sending nothing, once the loss is known", async () => {
    const lock = locks.lock({ key: locks.key('known-loss') })
    const lease = await lock.acquire()
    const dataKey = `${suite.prefix}/known-loss-data`
    await destroySessionBehindItsBack(suite.target, lease.session)
    const { reason } = await whenAborted(lease.lost)

    await expect(lease.txn([{ verb: 'set', key: dataKey, value: 'stale' }])).rejects.toBe(reason)
    expect(await storedValue(suite.consul, dataKey)).toBeNull()
  })

  // Holding the lock's monitor reads back needs the dev server's latency injection.
  it.skipIf(againstRealConsul)(
    'is rejected by the server-side check when the session is gone before the lease knows it',
    async () => {
      const server = suite.target.server
      if (server === undefined) throw new Error('dev server expected')
      const key = locks.key('server-check')
      const dataKey = `${suite.prefix}/server-check-data`
      // Renewals every 5 s: none falls within the test, so only the server's check can tell.
      const lock = locks.lock({ key, sessionTTL: '10s' })
      // Every read of the lock key, the monitor's included, reaches the server 1 s late.
      server.faults.latency(1_000, { method: 'GET', pathPrefix: `/v1/kv/${key}` })
      try {
        const lease = await lock.acquire()
        await destroySessionBehindItsBack(suite.target, lease.session)
        expect(lease.lost.aborted).toBe(false)

        const error = await lease
          .txn([{ verb: 'set', key: dataKey, value: 'stale' }])
          .catch((e: unknown) => e)

        expect(error).toBeInstanceOf(LockLostError)
        expect(error).toMatchObject({ reason: 'session-invalidated', key })
        expect(await storedValue(suite.consul, dataKey)).toBeNull()
      } finally {
        server.faults.clear()
      }
    },
  )
})

describe('lease.fencingToken', () => {
  it('grows strictly with every holder, also after destroy() deleted the key and LockIndex restarted', async () => {
    const key = locks.key('tokens')
    const leases: Lease[] = []
    for (const round of [1, 2, 3]) {
      const lock = locks.lock({ key })
      leases.push(await lock.acquire())
      await lock.release()
      if (round === 2) {
        await lock.destroy()
        expect((await suite.consul.kv.get(key)).value).toBeNull()
      }
    }
    const [first, second, third] = leases.map((lease) => lease.fencingToken)

    expect(leases.map((lease) => lease.lockIndex)).toEqual([1n, 2n, 1n])
    expect(second).toBeGreaterThan(first ?? 0n)
    expect(third).toBeGreaterThan(second ?? 0n)
  })
})

describe('the paused holder (Kleppmann)', () => {
  let holder: RunningProcess | undefined
  beforeAll(assertBuildIsFresh)
  afterEach(async () => {
    if (holder === undefined || holder.child.exitCode !== null || holder.child.signalCode !== null) return
    holder.child.kill('SIGKILL')
    await holder.exited
  })

  it(
    "rejects the write of a holder frozen past its TTL between its check and its write; the next holder's write survives",
    async () => {
      const key = locks.key('paused')
      const dataKey = `${suite.prefix}/paused-data`
      holder = startProcess(
        process.execPath,
        [holderScript, suite.target.address, key, dataKey, String(locks.ttlMs), locks.sessionName],
        { env: { ...process.env, CONSUL_HTTP_TOKEN: suite.target.token ?? '' }, stdin: 'pipe' },
      )
      const [heldLine] = await holder.waitForOutput(/^\{"step":"held".*$/m)
      const a = JSON.parse(heldLine) as { session: string; fencingToken: string }

      // A checks that it still holds the lock, then stops dead (SIGSTOP): no renewal, no
      // monitor, no timer runs until SIGCONT.
      holder.child.stdin?.write('write A\n')
      await holder.waitForOutput(/^\{"step":"checked"\}$/m)
      // B gets the key only once the server has invalidated A's session for want of renewals.
      const b = locks.lock({ key, value: 'holder B' })
      const leaseB = await b.acquire()
      expect((await suite.consul.session.info(a.session)).value).toBeNull()
      expect(leaseB.fencingToken).toBeGreaterThan(BigInt(a.fencingToken))
      expect((await leaseB.txn([{ verb: 'set', key: dataKey, value: 'B' }])).ok).toBe(true)

      // A resumes and writes at once, unaware: its lease has not noticed the loss yet, so only
      // the check inside the transaction stands between it and B's data.
      holder.child.kill('SIGCONT')
      const [outcomeLine] = await holder.waitForOutput(/^\{"step":"(written|rejected)".*$/m)

      const outcome = JSON.parse(outcomeLine) as { reason: string }
      expect(outcome).toMatchObject({
        step: 'rejected',
        name: 'LockLostError',
        code: 'ELOCKLOST',
        lostAtWrite: false,
      })
      // The lease's own reason when its timers noticed the loss while the write was in flight.
      expect(['taken', 'renew-failed', 'session-invalidated']).toContain(outcome.reason)
      expect(await storedValue(suite.consul, dataKey)).toBe('B')
      holder.child.stdin?.end()
      expect(await holder.exited).toBe(0)
      await b.release()
    },
    ttlTestTimeoutMs,
  )
})
