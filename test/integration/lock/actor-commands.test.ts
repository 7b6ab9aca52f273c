import { describe, expect, it } from 'vitest'
import { LockLostError } from '../../../src/errors.js'
import { useClientSuite } from '../../support/client-target.js'
import { againstRealConsul, blockingQueriesHeld } from '../../support/consul-target.js'
import {
  actorStarts,
  holderOf,
  lockIdle,
  sessionsNamed,
  useLocks,
  whenAborted,
} from '../../support/lock-helpers.js'

const suite = useClientSuite('lock-actor-commands')
const locks = useLocks(suite)

describe('commands sent to lock.actor directly, and the facade', () => {
  it('a RELEASE sent to the actor ends the lease as released', async () => {
    const lock = locks.lock({ key: locks.key('actor-release') })
    const lease = await lock.acquire()
    lock.actor.send({ type: 'RELEASE' })
    const { reason } = await whenAborted(lease.lost)
    expect(reason).toBeInstanceOf(LockLostError)
    expect((reason as LockLostError).reason).toBe('released')
    await lockIdle(lock)
    expect(await holderOf(suite.consul, lease.key)).toBeUndefined()
  })

  it('a CANCEL sent to the actor while held releases the lock too', async () => {
    const lock = locks.lock({ key: locks.key('actor-cancel-held') })
    const lease = await lock.acquire()
    lock.actor.send({ type: 'CANCEL' })
    expect(((await whenAborted(lease.lost)).reason as LockLostError).reason).toBe('released')
    await lockIdle(lock)
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])
  })

  it('a pending acquire() rejects with an AbortError when a CANCEL is sent to the actor', async () => {
    const key = locks.key('actor-cancel-pending')
    const holder = locks.lock({ key })
    const waiter = locks.lock({ key })
    await holder.acquire()
    const attempt = waiter.acquire()
    await blockingQueriesHeld(suite.target, 2)
    waiter.actor.send({ type: 'CANCEL' })
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' })
    await lockIdle(waiter)
    await holder.release()
  })

  it('a pending acquire() rejects with ELOCKDISPOSED when the actor is stopped', async () => {
    const key = locks.key('actor-stopped')
    const holder = locks.lock({ key })
    const waiter = locks.lock({ key, sessionTTL: suite.target.minTTLms })
    await holder.acquire()
    const attempt = waiter.acquire()
    await blockingQueriesHeld(suite.target, 2)
    const session = waiter.actor.getSnapshot().context.session
    waiter.actor.stop()
    await expect(attempt).rejects.toMatchObject({ code: 'ELOCKDISPOSED' })
    // A stopped actor releases nothing (README): its session is left to its TTL.
    if (session !== null) await suite.consul.session.destroy(session)
    await holder.release()
  })

  it('dispose gives up a lock re-acquired by an ACQUIRE queued behind a release', async () => {
    const key = locks.key('dispose-queued')
    const lock = locks.lock({ key })
    await lock.acquire()
    lock.actor.send({ type: 'RELEASE' })
    lock.actor.send({ type: 'ACQUIRE' })
    await lock[Symbol.asyncDispose]()
    expect(lock.actor.getSnapshot().status).toBe('stopped')
    expect(await holderOf(suite.consul, key)).toBeUndefined()
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])
  })

  it('release() on a disposed Lock is refused with ELOCKDISPOSED', async () => {
    const lock = locks.lock({ key: locks.key('release-disposed') })
    await lock[Symbol.asyncDispose]()
    await expect(lock.release()).rejects.toMatchObject({ code: 'ELOCKDISPOSED' })
  })

  it('acquire() on a lockTryOnce lock never gives up: it keeps waiting past lockWaitTime', async () => {
    const key = locks.key('try-once-option')
    const holder = locks.lock({ key })
    const reads = actorStarts('readKey', 4)
    const waiter = locks.lock({ key, lockTryOnce: true, lockWaitTime: 100 }, { inspect: reads.inspect })
    await holder.acquire()
    const attempt = waiter.acquire()
    // Four reads: the first at once, then three blocking rounds of lockWaitTime each.
    await reads.done
    expect(waiter.actor.getSnapshot().hasTag('pending')).toBe(true)
    await holder.release()
    const lease = await attempt
    expect(await holderOf(suite.consul, key)).toBe(lease.session)
    await waiter.release()
  })
})

describe('withLock', () => {
  it('rejects with the LockLostError when the lock was lost while fn ran, even if fn succeeded', async () => {
    const lock = locks.lock({ key: locks.key('withlock-lost') })
    const outcome = lock.withLock(async (signal) => {
      const session = lock.actor.getSnapshot().context.session
      if (session !== null) await suite.consul.session.destroy(session)
      await whenAborted(signal)
      return 'done anyway'
    })
    const error = await outcome.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(LockLostError)
    expect((error as LockLostError).reason).toBe('session-invalidated')
  })

  it('never releases a lease taken after its own was lost', async () => {
    const key = locks.key('withlock-later-lease')
    const lock = locks.lock({ key })
    let later: Awaited<ReturnType<typeof lock.acquire>> | undefined
    const outcome = lock.withLock(async (signal) => {
      const session = lock.actor.getSnapshot().context.session
      if (session !== null) await suite.consul.session.destroy(session)
      await whenAborted(signal)
      await lockIdle(lock)
      later = await lock.acquire()
      throw new Error('work failed')
    })
    await expect(outcome).rejects.toThrow('work failed')
    expect(lock.held).toBe(true)
    expect(await holderOf(suite.consul, key)).toBe(later?.session)
    await lock.release()
  })
})

describe('aborting an acquire() that waits for a cleanup', () => {
  // Holding the waiter in its cleanup takes added latency: a dev-server fault hook.
  it.skipIf(againstRealConsul)(
    'rejects at once while the previous attempt is still cleaning up',
    async () => {
      const server = suite.target.server
      if (server === undefined) throw new Error('needs the dev server')
      const key = locks.key('abort-during-cleanup')
      const holder = locks.lock({ key })
      const waiter = locks.lock({ key })
      await holder.acquire()
      const first = new AbortController()
      const attempt = waiter.acquire({ signal: first.signal })
      attempt.catch(() => {})
      await blockingQueriesHeld(suite.target, 2)
      server.faults.latency(1_000, { pathPrefix: '/v1/session/destroy/' })
      try {
        first.abort()
        await expect(attempt).rejects.toMatchObject({ name: 'AbortError' })
        expect(waiter.actor.getSnapshot().hasTag('releasing')).toBe(true)
        const second = new AbortController()
        const next = waiter.acquire({ signal: second.signal })
        const abortedAt = performance.now()
        second.abort()
        await expect(next).rejects.toBe(second.signal.reason)
        expect(performance.now() - abortedAt).toBeLessThan(100)
        expect(waiter.actor.getSnapshot().hasTag('releasing')).toBe(true)
      } finally {
        server.faults.clear()
      }
      await lockIdle(waiter)
      await holder.release()
    },
  )
})
