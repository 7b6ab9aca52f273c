import { describe, expect, it } from 'vitest'
import { waitFor } from 'xstate'
import { Consul } from '../../../src/client.js'
import { useClientSuite } from '../../support/client-target.js'
import { againstRealConsul, blockingQueriesHeld } from '../../support/consul-target.js'
import {
  expectNoLeakedSessions,
  holderOf,
  lockIdle,
  sessionsNamed,
  useLocks,
} from '../../support/lock-helpers.js'

const suite = useClientSuite('lock-abort')
const locks = useLocks(suite)

/** Takes `key` with one lock and starts a second that blocks on it; resolves once it does. */
async function blockedWaiter(key: string, signal: AbortSignal) {
  const holder = locks.lock({ key })
  const waiter = locks.lock({ key, lockWaitTime: '15s' })
  const held = await holder.acquire()
  const attempt = waiter.acquire({ signal })
  attempt.catch(() => {})
  // The holder's monitor and the waiter's blocking read.
  await blockingQueriesHeld(suite.target, 2)
  const session = waiter.actor.getSnapshot().context.session
  if (session === null) throw new Error('waiter has no session while waiting')
  return { holder, held, waiter, attempt, session }
}

describe('aborting acquire()', () => {
  it('rejects at once with an AbortError while the blocking read waits 15 s', async () => {
    const controller = new AbortController()
    const { waiter, attempt } = await blockedWaiter(locks.key('abort-default'), controller.signal)
    expect(waiter.actor.getSnapshot().hasTag('pending')).toBe(true)

    const abortedAt = performance.now()
    controller.abort()
    const error = await attempt.catch((caught: unknown) => caught)
    const elapsed = performance.now() - abortedAt

    expect(error).toBe(controller.signal.reason)
    expect(error).toMatchObject({ name: 'AbortError' })
    expect(elapsed).toBeLessThan(200)
  })

  it('rejects with a custom abort reason as given', async () => {
    const controller = new AbortController()
    const { attempt } = await blockedWaiter(locks.key('abort-custom'), controller.signal)
    const reason = new Error('shutting down')

    const abortedAt = performance.now()
    controller.abort(reason)

    await expect(attempt).rejects.toBe(reason)
    expect(performance.now() - abortedAt).toBeLessThan(200)
  })

  it('returns to idle, destroys the session it created and never holds the key', async () => {
    const key = locks.key('abort-cleanup')
    const controller = new AbortController()
    const { holder, held, waiter, attempt, session } = await blockedWaiter(key, controller.signal)

    controller.abort()
    await expect(attempt).rejects.toThrow()
    await lockIdle(waiter)

    expect(waiter.held).toBe(false)
    await expectNoLeakedSessions(suite.consul, [session])
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([held.session])
    // Once the holder lets go, the aborted waiter does not take the key.
    await holder.release()
    expect(await holderOf(suite.consul, key)).toBeUndefined()
  })

  it('rejects with the reason of an already aborted signal without a request or a transition', async () => {
    // A closed port: any request would fail with a transport error, not with the reason.
    const consul = new Consul({ env: {}, address: 'http://127.0.0.1:1' })
    const lock = consul.lock({ key: locks.key('abort-before') })
    const states: unknown[] = []
    const subscription = lock.actor.subscribe((snapshot) => states.push(snapshot.value))
    const reason = new Error('never started')
    try {
      await expect(lock.acquire({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
      await expect(lock.tryAcquire({ signal: AbortSignal.abort() })).rejects.toMatchObject({
        name: 'AbortError',
      })
      expect(states).toEqual([])
      expect(lock.actor.getSnapshot().value).toBe('idle')
    } finally {
      subscription.unsubscribe()
      await lock[Symbol.asyncDispose]()
      await consul.close()
    }
  })

  it('cancels while the session is being created, then a fresh acquire on the same Lock works', async () => {
    const key = locks.key('abort-creating')
    const lock = locks.lock({ key })
    const controller = new AbortController()

    const attempt = lock.acquire({ signal: controller.signal })
    await waitFor(lock.actor, (snapshot) => snapshot.matches('creatingSession'))
    controller.abort()
    // Asked for while the cancelled create is still in flight: waits out its cleanup, then acquires.
    const again = lock.acquire()
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' })

    const lease = await again
    expect(await holderOf(suite.consul, key)).toBe(lease.session)
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([lease.session])
    await lock.release()
  })

  // Holding the acquiring write in flight needs the dev server's latency injection.
  it.skipIf(againstRealConsul)(
    'cancels while the acquiring write is in flight: the key is given back, then a fresh acquire works',
    async () => {
      const server = suite.target.server
      if (server === undefined) throw new Error('dev server expected')
      const key = locks.key('abort-acquiring')
      const lock = locks.lock({ key })
      const controller = new AbortController()
      server.faults.latency(150, { method: 'PUT', pathPrefix: '/v1/txn' })
      try {
        const attempt = lock.acquire({ signal: controller.signal })
        await waitFor(lock.actor, (snapshot) =>
          snapshot.matches({ session: { lock: { pending: 'acquiring' } } }),
        )
        controller.abort()
        // Asked for while the cancelled write is still in flight.
        const again = lock.acquire()
        await expect(attempt).rejects.toMatchObject({ name: 'AbortError' })
        server.faults.clear()

        const lease = await again
        expect(await holderOf(suite.consul, key)).toBe(lease.session)
        expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([lease.session])
        await lock.release()
      } finally {
        server.faults.clear()
      }
    },
  )

  it('acquires again on the same Lock right after an abort while waiting', async () => {
    const key = locks.key('abort-reacquire')
    const controller = new AbortController()
    const { holder, waiter, attempt, session } = await blockedWaiter(key, controller.signal)
    controller.abort()
    await expect(attempt).rejects.toThrow()

    const again = waiter.acquire()
    await holder.release()
    const lease = await again

    expect(lease.session).not.toBe(session)
    expect(await holderOf(suite.consul, key)).toBe(lease.session)
    await expectNoLeakedSessions(suite.consul, [session])
    await waiter.release()
  })

  it('aborts tryAcquire while waiting, at once, and cleans up', async () => {
    const key = locks.key('abort-try')
    const holder = locks.lock({ key })
    const waiter = locks.lock({ key })
    const held = await holder.acquire()
    const controller = new AbortController()
    const attempt = waiter.tryAcquire({ wait: '10s', signal: controller.signal })
    attempt.catch(() => {})
    await blockingQueriesHeld(suite.target, 2)

    const abortedAt = performance.now()
    controller.abort()
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' })
    expect(performance.now() - abortedAt).toBeLessThan(200)
    await lockIdle(waiter)
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([held.session])
  })
})
