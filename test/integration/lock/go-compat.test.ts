import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld, settledFlag } from '../../support/consul-target.js'
import {
  goStyleHolder,
  holderOf,
  LOCK_FLAGS_DECIMAL,
  sessionsNamed,
  useLocks,
} from '../../support/lock-helpers.js'
import { raw } from '../../support/raw-http.js'

const suite = useClientSuite('lock-go-compat')
const locks = useLocks(suite)

/** A Go-style holder whose session is destroyed after the suite even if the test fails. */
async function goHolder(key: string) {
  const holder = await goStyleHolder(suite.target, key)
  suite.track(holder.session)
  return holder
}

describe('interop with a Go api.Lock holder (raw HTTP)', () => {
  it('waits while a Go-style holder has the key and acquires within 1 s of its release', async () => {
    const key = locks.key('go-first')
    const go = await goHolder(key)
    expect(await go.acquire('go')).toBe(true)
    const lock = locks.lock({ key, value: 'ts' })

    const attempt = lock.acquire()
    const settled = settledFlag(attempt)
    await blockingQueriesHeld(suite.target, 1)
    expect(settled()).toBe(false)
    expect(lock.actor.getSnapshot().hasTag('pending')).toBe(true)
    expect(await holderOf(suite.consul, key)).toBe(go.session)

    const releasedAt = performance.now()
    expect(await go.release('go')).toBe(true)
    const lease = await attempt
    expect(performance.now() - releasedAt).toBeLessThan(1000)

    const pair = (await suite.consul.kv.get(key)).value
    expect(pair).toMatchObject({ session: lease.session, flags: LOCK_FLAG_VALUE, lockIndex: 2n })
    expect(pair?.value?.toString('utf8')).toBe('ts')
    await lock.release()
    await go.destroy()
  })

  it('keeps a Go-style acquire out while held, and lets it in after release', async () => {
    const key = locks.key('ts-first')
    const lock = locks.lock({ key, value: 'ts' })
    await lock.acquire()
    const go = await goHolder(key)

    expect(await go.acquire('go')).toBe(false)
    await lock.release()
    // Go's Lock checks the flags before acquiring: our release must keep them.
    const released = await raw(suite.target, 'GET', `/v1/kv/${key}`)
    expect(released.text).toMatch(new RegExp(`"Flags":\\s*${LOCK_FLAGS_DECIMAL}\\b`))
    expect(released.text).not.toMatch(/"Session"/)
    expect(await go.acquire('go')).toBe(true)

    expect(await holderOf(suite.consul, key)).toBe(go.session)
    expect(await go.release('go')).toBe(true)
    await go.destroy()
  })

  it("reclaims a key already held by the caller's session without a write or a new session", async () => {
    const key = locks.key('reclaim')
    const go = await goHolder(key)
    expect(await go.acquire('go')).toBe(true)
    const before = (await suite.consul.kv.get(key)).value
    const lock = locks.lock({ key, session: go.session, value: 'ts' })

    const started = performance.now()
    const lease = await lock.acquire()

    expect(performance.now() - started).toBeLessThan(1000)
    expect(lease.session).toBe(go.session)
    expect(lease.lockIndex).toBe(before?.lockIndex)
    expect(lease.modifyIndex).toBe(before?.modifyIndex)
    expect((await suite.consul.kv.get(key)).value).toEqual(before)
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])

    await lock.release()
    expect(await holderOf(suite.consul, key)).toBeUndefined()
    // The caller's session is the caller's: released from the key, never destroyed.
    expect((await suite.consul.session.info(go.session)).value?.id).toBe(go.session)
    await go.destroy()
  })

  it("acquires a free key with the caller's session and leaves the session alive after release", async () => {
    const key = locks.key('caller-session')
    const session = suite.track(await suite.consul.session.create({ lockDelay: 0 }))
    const lock = locks.lock({ key, session })

    const lease = await lock.acquire()
    expect(lease.session).toBe(session)
    expect(await holderOf(suite.consul, key)).toBe(session)
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])
    await lock.release()

    expect(await holderOf(suite.consul, key)).toBeUndefined()
    expect((await suite.consul.session.info(session)).value?.id).toBe(session)
    await suite.consul.session.destroy(session)
  })
})
