import { describe, expect, it } from 'vitest'
import { Consul } from '../../../src/client.js'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import { expectNoLeakedSessions, sessionsNamed, whenAborted } from '../../support/lock-helpers.js'
import {
  keysUnder,
  readSemaphoreRecord,
  semaphoreIdle,
  useSemaphores,
} from '../../support/semaphore-helpers.js'

const suite = useClientSuite('semaphore-abort')
const semaphores = useSemaphores(suite)

/** Fills a limit-1 semaphore at `prefix` and starts a second contender that waits for the slot. */
async function blockedWaiter(prefix: string, signal: AbortSignal, session?: string) {
  const holder = semaphores.semaphore({ prefix, limit: 1 })
  const waiter = semaphores.semaphore({ prefix, limit: 1, session })
  const held = await holder.acquire()
  const attempt = waiter.acquire({ signal })
  attempt.catch(() => {})
  // The holder's monitor and the waiter's blocking read of the prefix.
  await blockingQueriesHeld(suite.target, 2)
  const waiting = waiter.actor.getSnapshot().context.session
  if (waiting === null) throw new Error('waiter has no session while waiting')
  return { holder, held, waiter, attempt, session: waiting }
}

describe('aborting acquire()', () => {
  it('rejects at once with signal.reason while waiting for a slot', async () => {
    const controller = new AbortController()
    const { waiter, attempt } = await blockedWaiter(semaphores.prefix('abort'), controller.signal)
    expect(waiter.actor.getSnapshot().hasTag('pending')).toBe(true)
    const reason = new Error('shutting down')

    const abortedAt = performance.now()
    controller.abort(reason)

    await expect(attempt).rejects.toBe(reason)
    expect(performance.now() - abortedAt).toBeLessThan(200)
  })

  it('leaves neither its session nor its contender key, and never takes the slot afterwards', async () => {
    const prefix = semaphores.prefix('abort-cleanup')
    const controller = new AbortController()
    const { holder, held, waiter, attempt, session } = await blockedWaiter(prefix, controller.signal)
    expect(await keysUnder(suite.consul, prefix)).toContain(session)

    controller.abort()
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' })
    await semaphoreIdle(waiter)

    await expectNoLeakedSessions(suite.consul, [session])
    expect(await sessionsNamed(suite.consul, semaphores.sessionName)).toEqual([held.session])
    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock', held.session].sort())
    await holder.release()
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([])
  })

  it("deletes its contender key but keeps a caller's session alive (Go leaks the key)", async () => {
    const prefix = semaphores.prefix('abort-caller-session')
    const session = suite.track(await suite.consul.session.create({ behavior: 'delete' }))
    const controller = new AbortController()
    const { holder, held, waiter, attempt } = await blockedWaiter(prefix, controller.signal, session)
    expect(await keysUnder(suite.consul, prefix)).toContain(session)

    controller.abort()
    await expect(attempt).rejects.toThrow()
    await semaphoreIdle(waiter)

    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock', held.session].sort())
    expect((await suite.consul.session.info(session)).value?.id).toBe(session)
    await holder.release()
    await suite.consul.session.destroy(session)
  })

  it('rejects with the reason of an already aborted signal without a request or a transition', async () => {
    // A closed port: any request would fail with a transport error, not with the reason.
    const consul = new Consul({ env: {}, address: 'http://127.0.0.1:1' })
    const semaphore = consul.semaphore({ prefix: semaphores.prefix('abort-before'), limit: 1 })
    const states: unknown[] = []
    const subscription = semaphore.actor.subscribe((snapshot) => states.push(snapshot.value))
    const reason = new Error('never started')
    try {
      await expect(semaphore.acquire({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
      await expect(semaphore.tryAcquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({
        name: 'AbortError',
      })
      expect(states).toEqual([])
      expect(semaphore.actor.getSnapshot().hasTag('idle')).toBe(true)
    } finally {
      subscription.unsubscribe()
      await semaphore[Symbol.asyncDispose]()
      await consul.close()
    }
  })

  it('cancels while the session is being created, then a fresh acquire on the same Semaphore works', async () => {
    const prefix = semaphores.prefix('abort-creating')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const controller = new AbortController()

    const attempt = semaphore.acquire({ signal: controller.signal })
    // The same tick as the ACQUIRE: the session create is in flight.
    controller.abort()

    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' })
    const lease = await semaphore.acquire()
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([lease.session])
    expect(await sessionsNamed(suite.consul, semaphores.sessionName)).toEqual([lease.session])
    await semaphore.release()
  })
})

describe('one operation at a time', () => {
  it('starts only one of two acquires sent in the same tick; the other rejects with ESEMHELD', async () => {
    const prefix = semaphores.prefix('same-tick')
    const semaphore = semaphores.semaphore({ prefix, limit: 2 })

    const [first, second] = await Promise.allSettled([semaphore.acquire(), semaphore.acquire()])

    expect(first.status).toBe('fulfilled')
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'ESEMHELD' } })
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toHaveLength(1)
    expect(await sessionsNamed(suite.consul, semaphores.sessionName)).toHaveLength(1)
    await semaphore.release()
  })
})

describe('a restart with the same session', () => {
  it('reclaims the slot its session already holds instead of taking another', async () => {
    const prefix = semaphores.prefix('reclaim')
    const session = suite.track(await suite.consul.session.create({ behavior: 'delete' }))
    const before = semaphores.semaphore({ prefix, limit: 2, session })
    const other = semaphores.semaphore({ prefix, limit: 2 })
    await before.acquire()
    const otherLease = await other.acquire()
    // The process dies: its actor stops without giving anything back.
    before.actor.stop()
    const full = await readSemaphoreRecord(suite.consul, prefix)
    expect(full?.holders).toEqual([session, otherLease.session].sort())

    const after = semaphores.semaphore({ prefix, limit: 2, session })
    // The semaphore is full, so only a reclaim can succeed.
    const lease = await after.tryAcquire({ wait: '2s' })

    expect(lease?.session).toBe(session)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual(full?.holders)
    await after.release()
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([otherLease.session])
    // The caller's session is the caller's: its contender key is removed, the session kept.
    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock', otherLease.session].sort())
    expect((await suite.consul.session.info(session)).value?.id).toBe(session)
    await other.release()
    await suite.consul.session.destroy(session)
  })
})

describe('commands sent to semaphore.actor directly', () => {
  it('a RELEASE sent to the actor ends the lease as released and frees the slot', async () => {
    const prefix = semaphores.prefix('actor-release')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const lease = await semaphore.acquire()

    semaphore.actor.send({ type: 'RELEASE' })

    expect((await whenAborted(lease.lost)).reason).toMatchObject({ code: 'ESEMLOST', reason: 'released' })
    await semaphoreIdle(semaphore)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([])
  })

  it('a pending acquire() rejects with an AbortError when a CANCEL is sent to the actor', async () => {
    const { waiter, attempt, session } = await blockedWaiter(
      semaphores.prefix('actor-cancel'),
      new AbortController().signal,
    )

    waiter.actor.send({ type: 'CANCEL' })

    await expect(attempt).rejects.toMatchObject({
      name: 'AbortError',
      message: 'The acquire was cancelled through the semaphore actor',
    })
    await semaphoreIdle(waiter)
    await expectNoLeakedSessions(suite.consul, [session])
  })
})
