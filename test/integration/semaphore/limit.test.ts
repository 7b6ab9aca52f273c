import { describe, expect, it } from 'vitest'
import { SemaphoreLimitError } from '../../../src/errors.js'
import type { Semaphore, SemaphoreLease } from '../../../src/semaphore.js'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld, settledFlag } from '../../support/consul-target.js'
import { sessionsNamed } from '../../support/lock-helpers.js'
import {
  keysUnder,
  readSemaphoreRecord,
  useSemaphores,
  watchSemaphoreRecord,
} from '../../support/semaphore-helpers.js'

const suite = useClientSuite('semaphore-limit')
const semaphores = useSemaphores(suite)

/**
 * Counts the semaphores holding a slot after every snapshot of any of them: keeps the maximum,
 * and resolves `until(n)` once exactly `n` hold one.
 */
function countHolders(all: readonly Semaphore[]) {
  let max = 0
  const waiters: Array<{ count: number; resolve: () => void }> = []
  const check = () => {
    const count = all.filter((each) => each.held).length
    max = Math.max(max, count)
    for (const waiter of waiters.filter((each) => each.count === count)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  const subscriptions = all.map((semaphore) => semaphore.actor.subscribe(check))
  return {
    get max() {
      return max
    },
    until(count: number): Promise<void> {
      return new Promise((resolve) => {
        waiters.push({ count, resolve })
        check()
      })
    },
    stop: () => {
      for (const subscription of subscriptions) subscription.unsubscribe()
    },
  }
}

describe('a limit of 2 among 4 contenders', () => {
  it('admits exactly two at once, and each waiter as a slot frees up', async () => {
    const prefix = semaphores.prefix('turns')
    const all = [1, 2, 3, 4].map(() => semaphores.semaphore({ prefix, limit: 2 }))
    const holders = countHolders(all)
    const attempts = new Map<Semaphore, Promise<SemaphoreLease>>(all.map((each) => [each, each.acquire()]))

    await holders.until(2)
    // Both holders' monitors and both waiters' blocking reads.
    await blockingQueriesHeld(suite.target, 4)
    const waiting = all.filter((each) => !each.held)
    expect(waiting.every((each) => each.actor.getSnapshot().hasTag('pending'))).toBe(true)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toHaveLength(2)

    const served = new Set<Semaphore>()
    for (let turn = 0; turn < 4; turn++) {
      const holder = all.find((each) => each.held && !served.has(each))
      if (holder === undefined) throw new Error(`no holder on turn ${turn}`)
      served.add(holder)
      const lease = await attempts.get(holder)
      expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toContain(lease?.session)
      await holder.release()
      // A waiter takes the freed slot while any is left.
      await holders.until(Math.min(2, 3 - turn))
    }

    holders.stop()
    expect(served.size).toBe(4)
    expect(holders.max).toBe(2)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([])
  })

  it('never lets more than two racing contenders hold a slot, and serves every one of them', async () => {
    const prefix = semaphores.prefix('race')
    const all = [1, 2, 3, 4].map(() => semaphores.semaphore({ prefix, limit: 2 }))
    const holders = countHolders(all)
    const recordHolders: number[] = []
    const stopWatching = watchSemaphoreRecord(suite.consul, prefix, (record) =>
      recordHolders.push(record?.holders.length ?? 0),
    )
    let inside = 0
    let maxInside = 0
    const rounds = new Map<Semaphore, number>()

    await Promise.all(
      all.map(async (semaphore) => {
        for (let round = 0; round < 3; round++) {
          await semaphore.withPermit(async () => {
            maxInside = Math.max(maxInside, ++inside)
            // The work: a read of the record, which must list at most two holders, us among them.
            const record = await readSemaphoreRecord(suite.consul, prefix)
            expect(record?.holders.length).toBeLessThanOrEqual(2)
            expect(record?.holders).toContain(semaphore.actor.getSnapshot().context.session)
            inside--
          })
          rounds.set(semaphore, round + 1)
        }
      }),
    )
    await stopWatching()
    holders.stop()

    expect([...rounds.values()]).toEqual([3, 3, 3, 3])
    expect(maxInside).toBeLessThanOrEqual(2)
    expect(holders.max).toBeLessThanOrEqual(2)
    expect(recordHolders.length).toBeGreaterThan(0)
    expect(Math.max(...recordHolders)).toBeLessThanOrEqual(2)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([])
    expect(await sessionsNamed(suite.consul, semaphores.sessionName)).toEqual([])
  })
})

describe('limit agreement', () => {
  it("rejects a contender whose limit differs from the record's with ESEMLIMIT, in Go's words", async () => {
    const prefix = semaphores.prefix('conflict')
    const holder = semaphores.semaphore({ prefix, limit: 2 })
    const other = semaphores.semaphore({ prefix, limit: 3 })
    const lease = await holder.acquire()

    const error = await other.acquire().catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(SemaphoreLimitError)
    expect(error).toMatchObject({ code: 'ESEMLIMIT', prefix, recordLimit: 2, localLimit: 3 })
    expect((error as Error).message).toBe('semaphore limit conflict (lock: 2, local: 3)')
    // It leaves nothing behind: its session and contender key are gone, the record untouched.
    expect(other.actor.getSnapshot().hasTag('idle')).toBe(true)
    expect(await sessionsNamed(suite.consul, semaphores.sessionName)).toEqual([lease.session])
    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock', lease.session].sort())
    expect((await readSemaphoreRecord(suite.consul, prefix))?.text).toBe(
      `{"Limit":2,"Holders":{"${lease.session}":true}}`,
    )
    await holder.release()
  })

  it('keeps the limit of an empty record: a contender with another limit still conflicts', async () => {
    const prefix = semaphores.prefix('empty-record')
    const first = semaphores.semaphore({ prefix, limit: 1 })
    await first.acquire()
    await first.release()

    await expect(semaphores.semaphore({ prefix, limit: 2 }).acquire()).rejects.toThrow(
      'semaphore limit conflict (lock: 1, local: 2)',
    )
  })
})

describe('tryAcquire', () => {
  it('takes a free slot at once', async () => {
    const prefix = semaphores.prefix('try-free')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })

    const lease = await semaphore.tryAcquire({ wait: '5s' })

    expect(lease).not.toBeNull()
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([lease?.session])
    await semaphore.release()
  })

  it('resolves null on a full semaphore no earlier than wait and well before wait + 1 s, leaving nothing', async () => {
    const prefix = semaphores.prefix('try-full')
    const holder = semaphores.semaphore({ prefix, limit: 1 })
    const contender = semaphores.semaphore({ prefix, limit: 1 })
    const held = await holder.acquire()
    const wait = 300

    const started = performance.now()
    const attempt = contender.tryAcquire({ wait })
    const settled = settledFlag(attempt)
    await blockingQueriesHeld(suite.target, 2)
    expect(settled()).toBe(false)
    const lease = await attempt
    const elapsed = performance.now() - started

    expect(lease).toBeNull()
    expect(elapsed).toBeGreaterThanOrEqual(wait)
    expect(elapsed).toBeLessThan(wait + 1000)
    expect(contender.actor.getSnapshot().hasTag('idle')).toBe(true)
    expect(await sessionsNamed(suite.consul, semaphores.sessionName)).toEqual([held.session])
    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock', held.session].sort())
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([held.session])
    await holder.release()
  })

  it('gives up after semaphoreWaitTime when tryAcquire has no wait', async () => {
    const prefix = semaphores.prefix('try-default-wait')
    const holder = semaphores.semaphore({ prefix, limit: 1 })
    const contender = semaphores.semaphore({ prefix, limit: 1, semaphoreWaitTime: 300 })
    await holder.acquire()

    const started = performance.now()
    const lease = await contender.tryAcquire()

    expect(lease).toBeNull()
    expect(performance.now() - started).toBeGreaterThanOrEqual(300)
    await holder.release()
  })
})
