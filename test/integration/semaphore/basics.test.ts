import { describe, expect, it } from 'vitest'
import { SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import { Consul } from '../../../src/client.js'
import {
  InvalidOptionError,
  SemaphoreHeldError,
  SemaphoreLostError,
  SemaphoreNotHeldError,
} from '../../../src/errors.js'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import { expectNoLeakedSessions, sessionsNamed, settlesWithin } from '../../support/lock-helpers.js'
import { raw } from '../../support/raw-http.js'
import {
  keysUnder,
  readSemaphoreRecord,
  recordJson,
  SEMAPHORE_FLAGS_DECIMAL,
  useSemaphores,
} from '../../support/semaphore-helpers.js'

const suite = useClientSuite('semaphore-basics')
const semaphores = useSemaphores(suite)

describe('acquire and release', () => {
  it('acquires a slot: the lease names the session listed in .lock and holding the contender key', async () => {
    const prefix = semaphores.prefix('lease')
    const semaphore = semaphores.semaphore({ prefix, limit: 2, value: 'worker-a' })

    const lease = await semaphore.acquire()

    expect(semaphore.held).toBe(true)
    expect(lease.prefix).toBe(prefix)
    expect(lease.lost.aborted).toBe(false)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([lease.session])
    const contender = (await suite.consul.kv.get(`${prefix}/${lease.session}`)).value
    expect(contender?.session).toBe(lease.session)
    expect(contender?.flags).toBe(SEMAPHORE_FLAG_VALUE)
    expect(contender?.value?.toString('utf8')).toBe('worker-a')
    await semaphore.release()
  })

  it("writes the .lock record exactly as Go does, with Go's flags, and empties it on release", async () => {
    const prefix = semaphores.prefix('record')
    const semaphore = semaphores.semaphore({ prefix, limit: 3 })
    const lease = await semaphore.acquire()

    const held = await readSemaphoreRecord(suite.consul, prefix)
    expect(held?.text).toBe(`{"Limit":3,"Holders":{"${lease.session}":true}}`)
    expect(held?.flags).toBe(0xe0f69a2baa414de0n)
    const res = await raw(suite.target, 'GET', `/v1/kv/${prefix}/.lock`)
    expect(res.text).toMatch(new RegExp(`"Flags":\\s*${SEMAPHORE_FLAGS_DECIMAL}\\b`))
    expect(SEMAPHORE_FLAGS_DECIMAL).toBe('16210313421097356768')

    await semaphore.release()

    const released = await readSemaphoreRecord(suite.consul, prefix)
    expect(released?.text).toBe('{"Limit":3,"Holders":{}}')
    expect(released?.text).toBe(recordJson(3, []))
    expect(released?.flags).toBe(SEMAPHORE_FLAG_VALUE)
  })

  it('removes the contender key and the session on release, and aborts lease.lost with released', async () => {
    const prefix = semaphores.prefix('release')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const lease = await semaphore.acquire()
    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock', lease.session].sort())

    await semaphore.release()

    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock'])
    await expectNoLeakedSessions(suite.consul, [lease.session])
    expect(lease.lost.aborted).toBe(true)
    expect(lease.lost.reason).toBeInstanceOf(SemaphoreLostError)
    expect(lease.lost.reason).toMatchObject({ code: 'ESEMLOST', reason: 'released', prefix })
    expect(semaphore.held).toBe(false)
    expect(semaphore.actor.getSnapshot().hasTag('idle')).toBe(true)
  })

  it('creates its session the way Go does: behaviour delete and the given name', async () => {
    const semaphore = semaphores.semaphore({ prefix: semaphores.prefix('session'), limit: 1 })
    const lease = await semaphore.acquire()

    const session = (await suite.consul.session.info(lease.session)).value
    expect(session?.behavior).toBe('delete')
    expect(session?.name).toBe(semaphores.sessionName)
    await semaphore.release()
  })

  it('rejects a second acquire on the same Semaphore with SemaphoreHeldError ESEMHELD', async () => {
    const prefix = semaphores.prefix('double')
    const semaphore = semaphores.semaphore({ prefix, limit: 2 })
    const lease = await semaphore.acquire()

    const error = await semaphore.acquire().catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(SemaphoreHeldError)
    expect(error).toMatchObject({ code: 'ESEMHELD', prefix })
    await expect(semaphore.tryAcquire()).rejects.toBeInstanceOf(SemaphoreHeldError)
    // Still one slot, the first one.
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([lease.session])
    expect(semaphore.held).toBe(true)
    await semaphore.release()
  })

  it('rejects acquire() and destroy() with ESEMHELD while the same Semaphore waits for a slot', async () => {
    const prefix = semaphores.prefix('double-pending')
    const holder = semaphores.semaphore({ prefix, limit: 1 })
    const waiter = semaphores.semaphore({ prefix, limit: 1 })
    await holder.acquire()
    const waiting = waiter.acquire()
    await blockingQueriesHeld(suite.target, 2)

    await expect(waiter.acquire()).rejects.toMatchObject({ code: 'ESEMHELD' })
    await expect(waiter.destroy()).rejects.toMatchObject({ code: 'ESEMHELD' })

    expect(waiter.actor.getSnapshot().hasTag('pending')).toBe(true)
    await holder.release()
    await waiting
    await waiter.release()
  })

  it('rejects release() when no slot is held with SemaphoreNotHeldError ESEMNOTHELD', async () => {
    const prefix = semaphores.prefix('not-held')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })

    await expect(semaphore.release()).rejects.toMatchObject({ code: 'ESEMNOTHELD', prefix })
    await semaphore.acquire()
    await semaphore.release()
    await expect(semaphore.release()).rejects.toBeInstanceOf(SemaphoreNotHeldError)
  })

  it('acquires again with the same Semaphore after a release, with a new session', async () => {
    const prefix = semaphores.prefix('again')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const first = await semaphore.acquire()
    await semaphore.release()

    const second = await semaphore.acquire()

    expect(second.session).not.toBe(first.session)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([second.session])
    await semaphore.release()
  })
})

describe('withPermit', () => {
  it('runs the function while holding a slot, releases and returns its value', async () => {
    const prefix = semaphores.prefix('with')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    let seen: { held: boolean; holders: string[] | undefined; aborted: boolean } | undefined

    const result = await semaphore.withPermit(async (signal) => {
      const record = await readSemaphoreRecord(suite.consul, prefix)
      seen = { held: semaphore.held, holders: record?.holders, aborted: signal.aborted }
      return 'done'
    })

    expect(result).toBe('done')
    expect(seen).toEqual({ held: true, holders: [expect.any(String)], aborted: false })
    expect(semaphore.held).toBe(false)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([])
    expect(await sessionsNamed(suite.consul, semaphores.sessionName)).toEqual([])
  })

  it('releases and rethrows when the function throws', async () => {
    const prefix = semaphores.prefix('with-throw')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const failure = new Error('work failed')

    await expect(
      semaphore.withPermit(() => {
        throw failure
      }),
    ).rejects.toBe(failure)

    expect(semaphore.actor.getSnapshot().hasTag('idle')).toBe(true)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([])
    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock'])
  })

  it('aborts the signal given to the function and rejects with SemaphoreLostError when the slot is lost', async () => {
    const prefix = semaphores.prefix('with-lost')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })

    const outcome = semaphore.withPermit(async (signal) => {
      const session = semaphore.actor.getSnapshot().context.session
      if (session === null) throw new Error('held without a session')
      await suite.consul.session.destroy(session)
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
      return 'finished anyway'
    })

    await expect(outcome).rejects.toMatchObject({ code: 'ESEMLOST', reason: 'session-invalidated' })
    expect(semaphore.actor.getSnapshot().hasTag('idle')).toBe(true)
  })
})

describe('options', () => {
  // A client for a closed port: any request it sent would fail with a transport error.
  const offline = () => new Consul({ env: {}, address: 'http://127.0.0.1:1' })

  it.each([
    ['a zero limit', { prefix: 'p', limit: 0 }, 'limit'],
    ['a negative limit', { prefix: 'p', limit: -1 }, 'limit'],
    ['a fractional limit', { prefix: 'p', limit: 1.5 }, 'limit'],
    ['a missing limit', { prefix: 'p' }, 'limit'],
    ['a missing prefix', { limit: 1 }, 'prefix'],
    ['an empty prefix', { prefix: '', limit: 1 }, 'prefix'],
  ])('throws InvalidOptionError synchronously from consul.semaphore for %s', async (_, options, option) => {
    const consul = offline()
    try {
      expect(() => consul.semaphore(options as never)).toThrow(InvalidOptionError)
      expect(() => consul.semaphore(options as never)).toThrow(
        expect.objectContaining({ code: 'EINVALIDOPTION', option }),
      )
    } finally {
      await consul.close()
    }
  })

  it("words a bad limit as Go does: 'semaphore limit must be positive'", async () => {
    const consul = offline()
    try {
      expect(() => consul.semaphore({ prefix: 'p', limit: 0 })).toThrow(/semaphore limit must be positive/)
    } finally {
      await consul.close()
    }
  })

  it('normalises the prefix as Go does: no trailing slash', async () => {
    const consul = offline()
    const semaphore = consul.semaphore({ prefix: 'service/workers/', limit: 1 })
    try {
      expect(semaphore.prefix).toBe('service/workers')
    } finally {
      await semaphore[Symbol.asyncDispose]()
      await consul.close()
    }
  })

  it('rejects an invalid tryAcquire wait before sending anything', async () => {
    const consul = offline()
    const semaphore = consul.semaphore({ prefix: 'p', limit: 1 })
    try {
      await expect(semaphore.tryAcquire({ wait: 'soon' })).rejects.toBeInstanceOf(InvalidOptionError)
      await expect(semaphore.tryAcquire({ wait: -5 })).rejects.toMatchObject({ code: 'EINVALIDOPTION' })
      expect(semaphore.actor.getSnapshot().hasTag('idle')).toBe(true)
    } finally {
      await semaphore[Symbol.asyncDispose]()
      await consul.close()
    }
  })
})

describe('Symbol.asyncDispose', () => {
  it('releases a held slot, removes its contender key and session, and stops the actor', async () => {
    const prefix = semaphores.prefix('dispose-held')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const lease = await semaphore.acquire()

    await semaphore[Symbol.asyncDispose]()

    expect(lease.lost.reason).toMatchObject({ reason: 'released' })
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([])
    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock'])
    await expectNoLeakedSessions(suite.consul, [lease.session])
    expect(semaphore.actor.getSnapshot().status).toBe('stopped')
    // A disposed Semaphore refuses new work instead of hanging; disposing again is a no-op.
    await expect(semaphore.acquire()).rejects.toMatchObject({ code: 'ESEMDISPOSED' })
    await expect(semaphore.release()).rejects.toMatchObject({ code: 'ESEMDISPOSED' })
    await semaphore[Symbol.asyncDispose]()
  })

  it('cancels a pending acquire, which rejects with ESEMDISPOSED, leaving no session or contender key', async () => {
    const prefix = semaphores.prefix('dispose-pending')
    const holder = semaphores.semaphore({ prefix, limit: 1 })
    const waiter = semaphores.semaphore({ prefix, limit: 1 })
    const held = await holder.acquire()
    const waiting = waiter.acquire()
    waiting.catch(() => {})
    await blockingQueriesHeld(suite.target, 2)

    expect(await settlesWithin(waiter[Symbol.asyncDispose](), 1000)).toBe(true)

    await expect(waiting).rejects.toMatchObject({ code: 'ESEMDISPOSED' })
    expect(await sessionsNamed(suite.consul, semaphores.sessionName)).toEqual([held.session])
    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock', held.session].sort())
    await holder.release()
  })
})
