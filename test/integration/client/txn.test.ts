import { describe, expect, it } from 'vitest'
import { useClientSuite } from '../../support/client-target.js'

const LOCK_FLAGS = 3304740253564472344n
const MAX_U64 = 18446744073709551615n

const suite = useClientSuite('client-txn')

describe('transactions', () => {
  it('applies writes atomically and returns reads with exact uint64 fields', async () => {
    const a = `${suite.prefix}/a`
    const b = `${suite.prefix}/b`
    const result = await suite.consul.txn([
      { verb: 'set', key: a, value: 'alpha', flags: MAX_U64 },
      { verb: 'check-not-exists', key: b },
      { verb: 'set', key: b, value: new Uint8Array([0, 255]), flags: LOCK_FLAGS },
      { verb: 'get', key: a },
      { verb: 'get-tree', key: `${suite.prefix}/` },
    ])

    expect(result.ok).toBe(true)
    expect(result.errors).toEqual([])
    // set, set, get, get-tree ×2 (check-not-exists yields no result)
    expect(result.results.map((pair) => pair.key)).toEqual([a, b, a, a, b])
    expect(result.results[0]?.value).toBeNull()
    expect(result.results[2]).toMatchObject({ key: a, flags: MAX_U64 })
    expect(result.results[2]?.value?.toString()).toBe('alpha')
    expect(result.results[4]?.value).toEqual(Buffer.from([0, 255]))
    expect(result.results[4]?.flags).toBe(LOCK_FLAGS)
  })

  it('rolls back and reports every failing operation with its index', async () => {
    const key = `${suite.prefix}/rollback`
    await suite.consul.kv.put(key, 'original')
    const pair = (await suite.consul.kv.get(key)).value
    if (!pair) throw new Error('key missing')

    const result = await suite.consul.txn([
      { verb: 'set', key, value: 'changed' },
      { verb: 'check-index', key, index: pair.modifyIndex + 100n },
      { verb: 'get', key: `${suite.prefix}/does-not-exist` },
    ])

    expect(result.ok).toBe(false)
    expect(result.results).toEqual([])
    expect(result.errors.map((error) => error.opIndex)).toEqual([1, 2])
    expect(result.errors[0]?.what).toContain('failed index check')
    expect(result.errors[1]?.what).toContain("doesn't exist")
    expect((await suite.consul.kv.get(key)).value?.value?.toString()).toBe('original')
  })

  it('locks, checks the session and unlocks in transactions', async () => {
    const key = `${suite.prefix}/lock`
    const session = await suite.consul.session.create({ ttl: `${Math.max(suite.target.minTTLms, 10_000)}ms` })
    suite.track(session)

    const locked = await suite.consul.txn([
      { verb: 'lock', key, session, value: 'me', flags: LOCK_FLAGS },
      { verb: 'check-session', key, session },
      { verb: 'get', key },
    ])
    expect(locked.ok).toBe(true)
    expect(locked.results[2]).toMatchObject({ session, lockIndex: 1n, flags: LOCK_FLAGS })

    const other = await suite.consul.session.create({ ttl: `${Math.max(suite.target.minTTLms, 10_000)}ms` })
    suite.track(other)
    const conflict = await suite.consul.txn([{ verb: 'lock', key, session: other }])
    expect(conflict.ok).toBe(false)
    expect(conflict.errors[0]).toMatchObject({ opIndex: 0 })
    expect(conflict.errors[0]?.what).toContain('lock is already held')

    const unlocked = await suite.consul.txn([
      { verb: 'unlock', key, session, value: 'free', flags: LOCK_FLAGS },
      { verb: 'get-or-empty', key },
      { verb: 'get-or-empty', key: `${suite.prefix}/absent` },
    ])
    expect(unlocked.ok).toBe(true)
    expect(unlocked.results[1]?.session).toBeUndefined()
    expect(unlocked.results[1]?.value?.toString()).toBe('free')
    expect(unlocked.results[2]).toMatchObject({ key: `${suite.prefix}/absent`, value: null })
  })

  it('deletes with delete, delete-cas and delete-tree', async () => {
    const base = `${suite.prefix}/del/`
    await suite.consul.kv.put(`${base}one`, '1')
    await suite.consul.kv.put(`${base}two`, '2')
    await suite.consul.kv.put(`${base}tree/x`, 'x')
    const two = (await suite.consul.kv.get(`${base}two`)).value
    if (!two) throw new Error('key missing')

    const stale = await suite.consul.txn([
      { verb: 'delete-cas', key: `${base}two`, index: two.modifyIndex + 1n },
    ])
    expect(stale.ok).toBe(false)

    const result = await suite.consul.txn([
      { verb: 'delete', key: `${base}one` },
      { verb: 'delete-cas', key: `${base}two`, index: two.modifyIndex },
      { verb: 'delete-tree', key: `${base}tree/` },
    ])
    expect(result).toEqual({ ok: true, results: [], errors: [] })
    expect((await suite.consul.kv.list(base)).value).toEqual([])
  })
})
