import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE, SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import { LockConflictError, LockHeldError, LockInUseError } from '../../../src/errors.js'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import { holderOf, nextNotification, sessionsNamed, useLocks } from '../../support/lock-helpers.js'

const suite = useClientSuite('lock-destroy')
const locks = useLocks(suite)

describe('destroy()', () => {
  it('rejects with LockHeldError ELOCKHELD while this Lock holds the key, which stays held', async () => {
    const key = locks.key('held')
    const lock = locks.lock({ key })
    const lease = await lock.acquire()

    const error = await lock.destroy().catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(LockHeldError)
    expect(error).toMatchObject({ code: 'ELOCKHELD', key })
    expect(lock.held).toBe(true)
    expect(await holderOf(suite.consul, key)).toBe(lease.session)
    await lock.release()
  })

  it('rejects with LockHeldError while this Lock is still waiting for the key', async () => {
    const key = locks.key('pending')
    const holder = locks.lock({ key })
    const waiter = locks.lock({ key })
    await holder.acquire()
    const waiting = waiter.acquire()
    await blockingQueriesHeld(suite.target, 2)

    await expect(waiter.destroy()).rejects.toMatchObject({ code: 'ELOCKHELD' })

    expect(waiter.actor.getSnapshot().hasTag('pending')).toBe(true)
    await holder.release()
    await waiting
    await waiter.release()
  })

  it('rejects with LockInUseError ELOCKINUSE when another Lock holds the key, which stays', async () => {
    const key = locks.key('in-use')
    const holder = locks.lock({ key })
    const other = locks.lock({ key })
    const lease = await holder.acquire()

    const error = await other.destroy().catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(LockInUseError)
    expect(error).toMatchObject({ code: 'ELOCKINUSE', key })
    expect(other.actor.getSnapshot().hasTag('idle')).toBe(true)
    expect(await holderOf(suite.consul, key)).toBe(lease.session)
    expect(holder.held).toBe(true)
    await holder.release()
  })

  it('deletes the key after a release and emits lock.destroyed', async () => {
    const key = locks.key('released')
    const lock = locks.lock({ key })
    await lock.acquire()
    await lock.release()
    const destroyed = nextNotification(lock.actor, 'lock.destroyed')

    await lock.destroy()

    expect(await destroyed).toEqual({ type: 'lock.destroyed', key })
    expect((await suite.consul.kv.get(key)).value).toBeNull()
    expect(lock.actor.getSnapshot().hasTag('idle')).toBe(true)
  })

  it('deletes a key another Lock released', async () => {
    const key = locks.key('released-by-other')
    const holder = locks.lock({ key })
    await holder.acquire()
    await holder.release()

    await locks.lock({ key }).destroy()

    expect((await suite.consul.kv.get(key)).value).toBeNull()
  })

  it('resolves when the key does not exist', async () => {
    const key = locks.key('missing')
    const lock = locks.lock({ key })

    await expect(lock.destroy()).resolves.toBeUndefined()
    expect((await suite.consul.kv.get(key)).value).toBeNull()
    // And acquiring afterwards still works.
    await lock.acquire()
    await lock.release()
  })
})

describe('a key that is not a lock key', () => {
  it.each([
    ['plain flags 0', 0n],
    ['other flags', 42n],
    ["a semaphore's flags", SEMAPHORE_FLAG_VALUE],
  ])(
    'with %s: acquire rejects with LockConflictError, the key untouched, no session left',
    async (_, flags) => {
      const key = locks.key('conflict')
      await suite.consul.kv.put(key, 'not a lock', { flags })
      const before = (await suite.consul.kv.get(key)).value
      const lock = locks.lock({ key, value: 'lock value' })

      const error = await lock.acquire().catch((caught: unknown) => caught)

      expect(error).toBeInstanceOf(LockConflictError)
      expect(error).toMatchObject({ code: 'ELOCKCONFLICT', key, flags })
      expect(lock.actor.getSnapshot().hasTag('idle')).toBe(true)
      expect((await suite.consul.kv.get(key)).value).toEqual(before)
      expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])
      await expect(lock.tryAcquire({ wait: '1s' })).rejects.toBeInstanceOf(LockConflictError)
    },
  )

  it('is left in place by destroy(), which rejects with LockConflictError', async () => {
    const key = locks.key('conflict-destroy')
    await suite.consul.kv.put(key, 'not a lock')
    const before = (await suite.consul.kv.get(key)).value
    const lock = locks.lock({ key })

    const error = await lock.destroy().catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(LockConflictError)
    expect(error).toMatchObject({ code: 'ELOCKCONFLICT', flags: 0n })
    expect((await suite.consul.kv.get(key)).value).toEqual(before)
  })

  it('is acquired once it carries the lock flags again', async () => {
    const key = locks.key('conflict-fixed')
    await suite.consul.kv.put(key, 'not a lock')
    const lock = locks.lock({ key })
    await expect(lock.acquire()).rejects.toBeInstanceOf(LockConflictError)

    await suite.consul.kv.put(key, '', { flags: LOCK_FLAG_VALUE })
    const lease = await lock.acquire()

    expect(await holderOf(suite.consul, key)).toBe(lease.session)
    await lock.release()
  })
})
