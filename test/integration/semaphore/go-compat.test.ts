import { describe, expect, it } from 'vitest'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld, settledFlag } from '../../support/consul-target.js'
import {
  keysUnder,
  readSemaphoreRecord,
  recordJson,
  trackedGoStyleSemaphore,
  useSemaphores,
} from '../../support/semaphore-helpers.js'

const suite = useClientSuite('semaphore-go-compat')
const semaphores = useSemaphores(suite)

describe('interop with a Go api.Semaphore contender (raw HTTP)', () => {
  it('counts a Go-style holder toward the limit and takes the slot within 1 s of its release', async () => {
    const prefix = semaphores.prefix('go-first')
    const go = await trackedGoStyleSemaphore(suite, prefix, 1)
    await go.acquire()
    const semaphore = semaphores.semaphore({ prefix, limit: 1, value: 'ts' })

    const attempt = semaphore.acquire()
    const settled = settledFlag(attempt)
    await blockingQueriesHeld(suite.target, 1)
    expect(settled()).toBe(false)
    expect(semaphore.actor.getSnapshot().hasTag('pending')).toBe(true)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([go.session])

    const releasedAt = performance.now()
    await go.release()
    const lease = await attempt
    expect(performance.now() - releasedAt).toBeLessThan(1000)

    expect((await readSemaphoreRecord(suite.consul, prefix))?.text).toBe(recordJson(1, [lease.session]))
    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock', lease.session].sort())
    await semaphore.release()
    await go.destroy()
  })

  it('keeps a Go-style contender out while we hold the only slot, and lets it in after release', async () => {
    const prefix = semaphores.prefix('ts-first')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const lease = await semaphore.acquire()
    const go = await trackedGoStyleSemaphore(suite, prefix, 1)
    expect(await go.contend()).toBe(true)

    const blocked = await go.tryTake()
    expect(blocked.taken).toBe(false)
    await semaphore.release()
    // Go decodes our record and finds room: the empty record must be one it reads.
    expect((await go.tryTake()).taken).toBe(true)

    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([go.session])
    expect(lease.lost.aborted).toBe(true)
    await go.release()
    expect((await readSemaphoreRecord(suite.consul, prefix))?.text).toBe(recordJson(1, []))
    await go.destroy()
  })

  it('shares a limit of 2 with a Go-style holder: one slot each, a third waits', async () => {
    const prefix = semaphores.prefix('shared')
    const go = await trackedGoStyleSemaphore(suite, prefix, 2)
    await go.acquire()
    const ours = semaphores.semaphore({ prefix, limit: 2 })
    const third = semaphores.semaphore({ prefix, limit: 2 })

    const lease = await ours.acquire()
    expect(await third.tryAcquire({ wait: 300 })).toBeNull()

    expect((await readSemaphoreRecord(suite.consul, prefix))?.text).toBe(
      recordJson(2, [go.session, lease.session]),
    )
    await ours.release()
    await go.release()
    await go.destroy()
  })

  it('prunes the entry of a Go-style holder whose session died, and takes its slot', async () => {
    const prefix = semaphores.prefix('dead-go')
    const go = await trackedGoStyleSemaphore(suite, prefix, 1)
    await go.acquire()
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const attempt = semaphore.acquire()
    await blockingQueriesHeld(suite.target, 1)

    // Behaviour delete: the contender key goes, the record still names the dead session.
    const diedAt = performance.now()
    await go.destroy()
    const lease = await attempt

    expect(performance.now() - diedAt).toBeLessThan(1000)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.text).toBe(recordJson(1, [lease.session]))
    await semaphore.release()
  })

  it('lets a Go-style contender join the record we wrote, and keeps its entry when we release', async () => {
    const prefix = semaphores.prefix('cas')
    const semaphore = semaphores.semaphore({ prefix, limit: 2 })
    await semaphore.acquire()
    const go = await trackedGoStyleSemaphore(suite, prefix, 2)

    // Go's acquire loop against our record: it finds room and joins with a CAS.
    await go.acquire()
    const record = await readSemaphoreRecord(suite.consul, prefix)
    expect(record?.holders).toHaveLength(2)
    expect(record?.holders).toContain(go.session)

    // And our release edits the record Go wrote without dropping Go's entry.
    await semaphore.release()
    expect((await readSemaphoreRecord(suite.consul, prefix))?.text).toBe(recordJson(2, [go.session]))
    await go.release()
    await go.destroy()
  })
})
