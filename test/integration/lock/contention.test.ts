import { describe, expect, it } from 'vitest'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import { holderOf, useLocks, whenAborted } from '../../support/lock-helpers.js'

const suite = useClientSuite('lock-contention')
const locks = useLocks(suite)

describe('contention on one key', () => {
  it('grants the lock to every contender in turn, never to two at once, each handover under 1 s', async () => {
    const key = locks.key('contended')
    const contenders = Array.from({ length: 6 }, (_, i) => locks.lock({ key, value: `contender-${i}` }))
    let holders = 0
    const grants: Array<{ contender: number; session: string; lockIndex: bigint; at: number }> = []
    const releases: number[] = []

    await Promise.all(
      contenders.map(async (lock, contender) => {
        const lease = await lock.acquire()
        const at = performance.now()
        holders++
        expect(holders).toBe(1)
        expect(await holderOf(suite.consul, key)).toBe(lease.session)
        grants.push({ contender, session: lease.session, lockIndex: lease.lockIndex, at })
        // Hold until every contender still waiting blocks on the key (plus our monitor).
        await blockingQueriesHeld(suite.target, contenders.length - grants.length + 1)
        holders--
        releases.push(performance.now())
        await lock.release()
      }),
    )

    expect(new Set(grants.map((grant) => grant.contender)).size).toBe(contenders.length)
    expect(new Set(grants.map((grant) => grant.session)).size).toBe(contenders.length)
    // Each new holder is a new session on the key: LockIndex counts them one by one.
    expect(grants.map((grant) => grant.lockIndex)).toEqual(contenders.map((_, i) => BigInt(i + 1)))
    const handovers = grants.slice(1).map((grant, i) => grant.at - (releases[i] ?? Number.NaN))
    for (const handover of handovers) {
      expect(handover).toBeGreaterThan(0)
      expect(handover).toBeLessThan(1000)
    }
    expect(await holderOf(suite.consul, key)).toBeUndefined()
  })

  it('hands a lock back and forth between two Locks on one key many times', async () => {
    const key = locks.key('ping-pong')
    const [a, b] = [locks.lock({ key, value: 'a' }), locks.lock({ key, value: 'b' })]
    const order: string[] = []
    let inside = 0

    await Promise.all(
      [a, b].map(async (lock, i) => {
        for (let round = 0; round < 5; round++) {
          await lock.withLock(async (signal) => {
            inside++
            expect(inside).toBe(1)
            order.push(i === 0 ? 'a' : 'b')
            await new Promise((resolve) => setImmediate(resolve))
            expect(signal.aborted).toBe(false)
            inside--
          })
        }
      }),
    )

    expect(order.filter((name) => name === 'a')).toHaveLength(5)
    expect(order.filter((name) => name === 'b')).toHaveLength(5)
    expect(await holderOf(suite.consul, key)).toBeUndefined()
  })

  it('after each holder crashes (session gone, lock-delay), the next takes over within 500 ms of the delay', async () => {
    const key = locks.key('crashing-holders')
    const lockDelayMs = 300
    const contenders = Array.from({ length: 4 }, (_, i) =>
      locks.lock({ key, value: `c${i}`, lockDelay: lockDelayMs }),
    )
    let holders = 0
    let crashedAt = 0
    const takeovers: number[] = []

    await Promise.all(
      contenders.map(async (lock) => {
        const lease = await lock.acquire()
        if (crashedAt > 0) takeovers.push(performance.now() - crashedAt)
        holders++
        expect(holders).toBe(1)
        await blockingQueriesHeld(suite.target, contenders.length - takeovers.length)
        holders--
        // A crash as Consul sees it: the session is invalidated, so the lock-delay applies.
        crashedAt = performance.now()
        await suite.consul.session.destroy(lease.session)
        await whenAborted(lease.lost)
      }),
    )

    expect(takeovers).toHaveLength(contenders.length - 1)
    for (const takeover of takeovers) {
      expect(takeover).toBeGreaterThanOrEqual(lockDelayMs - 50)
      expect(takeover).toBeLessThan(lockDelayMs + 500)
    }
  })
})
