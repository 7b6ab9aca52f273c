import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import { Consul } from '../../../src/client.js'
import { InvalidOptionError, LockHeldError, LockLostError, LockNotHeldError } from '../../../src/errors.js'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import {
  expectNoLeakedSessions,
  holderOf,
  LOCK_FLAGS_DECIMAL,
  lockIdle,
  sessionsNamed,
  settlesWithin,
  useLocks,
} from '../../support/lock-helpers.js'
import { raw } from '../../support/raw-http.js'

const suite = useClientSuite('lock-basics')
const locks = useLocks(suite)

describe('acquire and release', () => {
  it('acquires a free key and hands back the lease the key shows right after', async () => {
    const key = locks.key('lease')
    const lock = locks.lock({ key, value: 'node-a' })

    const lease = await lock.acquire()
    const pair = (await suite.consul.kv.get(key)).value

    expect(lock.held).toBe(true)
    expect(lease.key).toBe(key)
    expect(pair?.session).toBe(lease.session)
    expect(lease.lockIndex).toBe(pair?.lockIndex)
    expect(lease.modifyIndex).toBe(pair?.modifyIndex)
    expect(lease.lockIndex).toBe(1n)
    expect(lease.lost.aborted).toBe(false)
    await lock.release()
  })

  it('writes the value and the lock flags exactly, as uint64 on the wire', async () => {
    const key = locks.key('flags')
    const lock = locks.lock({ key, value: 'node-a' })
    await lock.acquire()

    const pair = (await suite.consul.kv.get(key)).value
    expect(pair?.flags).toBe(0x2ddccbc058a50c18n)
    expect(pair?.flags).toBe(LOCK_FLAG_VALUE)
    expect(pair?.value?.toString('utf8')).toBe('node-a')
    const res = await raw(suite.target, 'GET', `/v1/kv/${key}`)
    expect(res.text).toMatch(new RegExp(`"Flags":\\s*${LOCK_FLAGS_DECIMAL}\\b`))
    expect(LOCK_FLAGS_DECIMAL).toBe('3304740253564472344')

    await lock.release()
    const released = (await suite.consul.kv.get(key)).value
    expect(released?.session).toBeUndefined()
    expect(released?.flags).toBe(LOCK_FLAG_VALUE)
    expect(released?.value?.toString('utf8')).toBe('node-a')
  })

  it('resolves acquire() only once the lease session holds the key', async () => {
    const key = locks.key('held-then')
    const first = locks.lock({ key })
    const second = locks.lock({ key })
    await first.acquire()
    const waiting = second
      .acquire()
      .then(async (lease) => ({ lease, holder: await holderOf(suite.consul, key) }))
    await blockingQueriesHeld(suite.target, 2)
    await first.release()

    const { lease, holder } = await waiting
    expect(holder).toBe(lease.session)
    expect(second.held).toBe(true)
    await second.release()
  })

  it('rejects a second acquire on the same Lock with LockHeldError ELOCKHELD', async () => {
    const lock = locks.lock({ key: locks.key('double') })
    await lock.acquire()

    const error = await lock.acquire().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(LockHeldError)
    expect(error).toMatchObject({ code: 'ELOCKHELD' })
    expect(lock.held).toBe(true)
    await expect(lock.tryAcquire()).rejects.toBeInstanceOf(LockHeldError)
    await lock.release()
  })

  it('rejects release() when not held with LockNotHeldError ELOCKNOTHELD', async () => {
    const lock = locks.lock({ key: locks.key('not-held') })

    await expect(lock.release()).rejects.toMatchObject({ code: 'ELOCKNOTHELD' })
    await expect(lock.release()).rejects.toBeInstanceOf(LockNotHeldError)
    await lock.acquire()
    await lock.release()
    await expect(lock.release()).rejects.toBeInstanceOf(LockNotHeldError)
  })

  it('aborts lease.lost with reason released on release()', async () => {
    const lock = locks.lock({ key: locks.key('lost-released') })
    const lease = await lock.acquire()
    await lock.release()

    expect(lease.lost.aborted).toBe(true)
    expect(lease.lost.reason).toBeInstanceOf(LockLostError)
    expect(lease.lost.reason).toMatchObject({ code: 'ELOCKLOST', reason: 'released' })
  })

  it('lets a waiter in at once on release, even with the default lock-delay', async () => {
    const key = locks.key('handover')
    // No lockDelay: Consul's default 15 s would apply if the session were invalidated first.
    const first = locks.lock({ key, lockDelay: undefined })
    const second = locks.lock({ key })
    const lease = await first.acquire()
    expect((await suite.consul.session.info(lease.session)).value?.lockDelay).toBe(15_000)
    const waiting = second.acquire()
    await blockingQueriesHeld(suite.target, 2)

    const releasedAt = performance.now()
    await first.release()
    const next = await waiting
    const handover = performance.now() - releasedAt

    expect(handover).toBeLessThan(1000)
    expect(await holderOf(suite.consul, key)).toBe(next.session)
    await second.release()
  })

  it('leaves no session behind after release', async () => {
    const lock = locks.lock({ key: locks.key('no-leak') })
    const lease = await lock.acquire()
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([lease.session])

    await lock.release()

    await expectNoLeakedSessions(suite.consul, [lease.session])
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])
    expect(lock.actor.getSnapshot().hasTag('idle')).toBe(true)
  })

  it('acquires again with the same Lock after a release, as a new holder', async () => {
    const key = locks.key('again')
    const lock = locks.lock({ key })
    const first = await lock.acquire()
    await lock.release()

    const second = await lock.acquire()
    expect(second.session).not.toBe(first.session)
    expect(second.lockIndex).toBe(first.lockIndex + 1n)
    expect(second.modifyIndex).toBeGreaterThan(first.modifyIndex)
    await lock.release()
  })
})

describe('withLock', () => {
  it('acquires, runs the function while held, releases and returns its value', async () => {
    const key = locks.key('with')
    const lock = locks.lock({ key })
    let seen: { held: boolean; holder: string | undefined; aborted: boolean } | undefined

    const result = await lock.withLock(async (signal) => {
      seen = { held: lock.held, holder: await holderOf(suite.consul, key), aborted: signal.aborted }
      return 42
    })

    expect(result).toBe(42)
    expect(seen?.held).toBe(true)
    expect(seen?.holder).toEqual(expect.any(String))
    expect(seen?.aborted).toBe(false)
    expect(lock.held).toBe(false)
    expect(await holderOf(suite.consul, key)).toBeUndefined()
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])
  })

  it('releases and rethrows when the function throws', async () => {
    const key = locks.key('with-throw')
    const lock = locks.lock({ key })
    const failure = new Error('work failed')

    await expect(
      lock.withLock(() => {
        throw failure
      }),
    ).rejects.toBe(failure)

    expect(lock.held).toBe(false)
    expect(lock.actor.getSnapshot().hasTag('idle')).toBe(true)
    expect(await holderOf(suite.consul, key)).toBeUndefined()
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])
  })
})

describe('tryAcquire', () => {
  it('takes a free key at once', async () => {
    const key = locks.key('try-free')
    const lock = locks.lock({ key })

    const lease = await lock.tryAcquire({ wait: '5s' })

    expect(lease).not.toBeNull()
    expect(await holderOf(suite.consul, key)).toBe(lease?.session)
    await lock.release()
  })

  it('resolves null no earlier than wait and well before wait + 1 s, leaving no session', async () => {
    const key = locks.key('try-timeout')
    const holder = locks.lock({ key })
    const contender = locks.lock({ key })
    const held = await holder.acquire()
    const wait = 300

    const started = performance.now()
    const lease = await contender.tryAcquire({ wait })
    const elapsed = performance.now() - started

    expect(lease).toBeNull()
    expect(elapsed).toBeGreaterThanOrEqual(wait)
    expect(elapsed).toBeLessThan(wait + 1000)
    expect(contender.actor.getSnapshot().hasTag('idle')).toBe(true)
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([held.session])
    expect(await holderOf(suite.consul, key)).toBe(held.session)
    await holder.release()
  })
})

describe('options', () => {
  // A client for a closed port: any request it sent would fail with a transport error.
  const offline = () => new Consul({ env: {}, address: 'http://127.0.0.1:1' })

  it.each([
    ['a missing key', {}, 'key'],
    ['an empty key', { key: '' }, 'key'],
    ['a key starting with /', { key: '/lock' }, 'key'],
    ['an unknown option', { key: 'k', lockdelay: '1s' }, 'lockdelay'],
    ['an unparsable sessionTTL', { key: 'k', sessionTTL: 'soon' }, 'sessionTTL'],
    ['a zero lockWaitTime', { key: 'k', lockWaitTime: 0 }, 'lockWaitTime'],
    ['a negative monitorRetries', { key: 'k', monitorRetries: -1 }, 'monitorRetries'],
    ['a numeric value', { key: 'k', value: 42 }, 'value'],
    ['an empty session', { key: 'k', session: '' }, 'session'],
  ])('throws InvalidOptionError synchronously from consul.lock for %s', async (_, options, option) => {
    const consul = offline()
    try {
      expect(() => consul.lock(options as never)).toThrow(InvalidOptionError)
      expect(() => consul.lock(options as never)).toThrow(
        expect.objectContaining({ code: 'EINVALIDOPTION', option }),
      )
    } finally {
      await consul.close()
    }
  })

  it('rejects an invalid tryAcquire wait before sending anything', async () => {
    const consul = offline()
    const lock = consul.lock({ key: 'k' })
    try {
      await expect(lock.tryAcquire({ wait: 'soon' })).rejects.toBeInstanceOf(InvalidOptionError)
      await expect(lock.tryAcquire({ wait: -5 })).rejects.toMatchObject({ code: 'EINVALIDOPTION' })
      expect(lock.actor.getSnapshot().hasTag('idle')).toBe(true)
    } finally {
      await lock[Symbol.asyncDispose]()
      await consul.close()
    }
  })
})

describe('Symbol.asyncDispose', () => {
  it('releases a held lock, destroys its session and stops the actor', async () => {
    const key = locks.key('dispose-held')
    const lock = locks.lock({ key })
    const lease = await lock.acquire()

    await lock[Symbol.asyncDispose]()

    expect(lease.lost.reason).toMatchObject({ reason: 'released' })
    expect(await holderOf(suite.consul, key)).toBeUndefined()
    await expectNoLeakedSessions(suite.consul, [lease.session])
    expect(lock.actor.getSnapshot().status).toBe('stopped')
    // A disposed Lock refuses new work instead of hanging; disposing again is a no-op.
    await expect(lock.acquire()).rejects.toMatchObject({ code: 'ELOCKDISPOSED' })
    await expect(lock.tryAcquire()).rejects.toMatchObject({ code: 'ELOCKDISPOSED' })
    await lock[Symbol.asyncDispose]()
  })

  it('cancels a pending acquire and destroys the session it created', async () => {
    const key = locks.key('dispose-pending')
    const holder = locks.lock({ key })
    const waiter = locks.lock({ key })
    const held = await holder.acquire()
    const waiting = waiter.acquire()
    waiting.catch(() => {})
    await blockingQueriesHeld(suite.target, 2)

    expect(await settlesWithin(waiter[Symbol.asyncDispose](), 1000)).toBe(true)

    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([held.session])
    expect(waiter.actor.getSnapshot().status).toBe('stopped')
    // The caller of the cancelled acquire is not left hanging.
    expect(await settlesWithin(waiting, 1000)).toBe(true)
    await expect(waiting).rejects.toMatchObject({ code: 'ELOCKDISPOSED' })
    await holder.release()
    await lockIdle(holder)
  })
})
