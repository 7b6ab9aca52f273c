import { describe, expect, it } from 'vitest'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import { holderOf, lockIdle, sessionsNamed, useLocks } from '../../support/lock-helpers.js'

const suite = useClientSuite('lock-same-tick')
const locks = useLocks(suite)

/** Settles every promise and reports each outcome: the value, or the error's code. */
async function outcomes(promises: readonly Promise<unknown>[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(promises)
  return settled.map((result) =>
    result.status === 'fulfilled' ? 'ok' : ((result.reason as { code?: string }).code ?? result.reason),
  )
}

describe('operations started in the same tick on one Lock', () => {
  it('two acquire() calls: one holds the lock, the other is refused with ELOCKHELD', async () => {
    const lock = locks.lock({ key: locks.key('two-acquires') })
    expect(await outcomes([lock.acquire(), lock.acquire()])).toEqual(['ok', 'ELOCKHELD'])
    await lock.release()
  })

  it('two withLock() calls never run their functions at the same time', async () => {
    const lock = locks.lock({ key: locks.key('two-withlocks') })
    let inside = 0
    let most = 0
    const work = async () => {
      most = Math.max(most, ++inside)
      await new Promise((resolve) => setImmediate(resolve))
      inside--
    }
    expect(await outcomes([lock.withLock(work), lock.withLock(work)])).toEqual(['ok', 'ELOCKHELD'])
    expect(most).toBe(1)
  })

  it('destroy() then acquire(): the key is deleted first, then acquired', async () => {
    const key = locks.key('destroy-then-acquire')
    const lock = locks.lock({ key })
    await lock.acquire()
    await lock.release()
    const destroyed = lock.destroy()
    const acquired = lock.acquire()
    await destroyed
    const lease = await acquired
    expect(await holderOf(suite.consul, key)).toBe(lease.session)
    await lock.release()
  })

  it('acquire() then destroy(): destroy is refused with ELOCKHELD and deletes nothing', async () => {
    const key = locks.key('acquire-then-destroy')
    const lock = locks.lock({ key })
    const acquired = lock.acquire()
    await expect(lock.destroy()).rejects.toMatchObject({ code: 'ELOCKHELD' })
    const lease = await acquired
    expect(await holderOf(suite.consul, key)).toBe(lease.session)
    await lock.release()
  })

  it('acquire() then dispose: the acquire rejects with ELOCKDISPOSED and no session is left', async () => {
    const lock = locks.lock({ key: locks.key('acquire-then-dispose') })
    const acquired = lock.acquire()
    const disposed = lock[Symbol.asyncDispose]()
    await expect(acquired).rejects.toMatchObject({ code: 'ELOCKDISPOSED' })
    await disposed
    expect(lock.actor.getSnapshot().status).toBe('stopped')
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])
    await expect(lock.acquire()).rejects.toMatchObject({ code: 'ELOCKDISPOSED' })
  })

  it('two dispose calls both wait for the cleanup', async () => {
    const lock = locks.lock({ key: locks.key('two-disposes') })
    await lock.acquire()
    await Promise.all([lock[Symbol.asyncDispose](), lock[Symbol.asyncDispose]()])
    expect(lock.actor.getSnapshot().status).toBe('stopped')
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])
  })

  it('an acquire() waiting for a cleanup to finish can be aborted at once', async () => {
    const key = locks.key('abort-while-cleaning')
    const holder = locks.lock({ key })
    const waiter = locks.lock({ key })
    await holder.acquire()
    const first = new AbortController()
    const attempt = waiter.acquire({ signal: first.signal })
    await blockingQueriesHeld(suite.target, 2)
    first.abort()
    await expect(attempt).rejects.toMatchObject({ name: 'AbortError' })
    // The waiter is cleaning up (destroying its session) while the next acquire is aborted.
    const second = new AbortController()
    const next = waiter.acquire({ signal: second.signal })
    second.abort()
    await expect(next).rejects.toBe(second.signal.reason)
    await lockIdle(waiter)
    await holder.release()
  })
})
