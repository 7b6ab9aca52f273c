import { describe, expect, it } from 'vitest'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld, settledFlag } from '../../support/consul-target.js'

const LOCK_FLAGS = 3304740253564472344n
const MAX_U64 = 18446744073709551615n

const suite = useClientSuite('client-kv')

async function newSession(): Promise<string> {
  return suite.track(
    await suite.consul.session.create({
      name: 'client-kv test',
      ttl: `${Math.max(suite.target.minTTLms, 10_000)}ms`,
    }),
  )
}

describe('kv round trip', () => {
  it('stores and reads back bytes and uint64 flags exactly', async () => {
    const key = `${suite.prefix}/flags`
    const bytes = Buffer.from([0, 1, 2, 253, 254, 255])

    expect(await suite.consul.kv.put(key, bytes, { flags: MAX_U64 })).toBe(true)
    const max = (await suite.consul.kv.get(key)).value
    expect(max?.value).toEqual(bytes)
    expect(max?.flags).toBe(MAX_U64)

    expect(await suite.consul.kv.put(key, 'text ✓', { flags: LOCK_FLAGS })).toBe(true)
    const { value: pair, meta } = await suite.consul.kv.get(key)
    expect(pair?.value?.toString()).toBe('text ✓')
    expect(pair?.flags).toBe(LOCK_FLAGS)
    expect(pair?.key).toBe(key)
    expect(pair?.modifyIndex).toBeGreaterThan(0n)
    expect(meta.lastIndex).toBe(pair?.modifyIndex)
    expect(meta.knownLeader).toBe(true)
  })

  it('reads a missing key as null with a usable index', async () => {
    const { value, meta } = await suite.consul.kv.get(`${suite.prefix}/missing`)
    expect(value).toBeNull()
    expect(meta.lastIndex).toBeGreaterThanOrEqual(1n)
  })

  it('stores an empty value', async () => {
    const key = `${suite.prefix}/empty`
    await suite.consul.kv.put(key, null)
    const pair = (await suite.consul.kv.get(key)).value
    expect(pair?.key).toBe(key)
    // Consul answers `"Value": null`; some versions may answer an empty string.
    expect(pair?.value?.length ?? 0).toBe(0)
  })

  it('round-trips keys that need escaping in the URL', async () => {
    // Only characters every Consul version accepts in keys (1.21.5 allowed [a-zA-Z0-9,_./\-?&=]).
    const key = `${suite.prefix}/odd?query=1&b=2/x`
    await suite.consul.kv.put(key, 'odd')
    expect((await suite.consul.kv.get(key)).value?.key).toBe(key)
  })
})

describe('check-and-set', () => {
  it('creates only when absent with cas=0 and updates only at the current ModifyIndex', async () => {
    const key = `${suite.prefix}/cas`
    expect(await suite.consul.kv.put(key, 'v1', { cas: 0n })).toBe(true)
    expect(await suite.consul.kv.put(key, 'again', { cas: 0n })).toBe(false)
    const first = (await suite.consul.kv.get(key)).value
    if (!first) throw new Error('key missing')

    expect(await suite.consul.kv.put(key, 'v2', { cas: first.modifyIndex })).toBe(true)
    expect(await suite.consul.kv.put(key, 'stale', { cas: first.modifyIndex })).toBe(false)
    expect((await suite.consul.kv.get(key)).value?.value?.toString()).toBe('v2')
  })

  it('deletes with cas only at the current ModifyIndex', async () => {
    const key = `${suite.prefix}/delete-cas`
    await suite.consul.kv.put(key, 'v')
    const pair = (await suite.consul.kv.get(key)).value
    if (!pair) throw new Error('key missing')
    expect(await suite.consul.kv.delete(key, { cas: pair.modifyIndex - 1n })).toBe(false)
    expect(await suite.consul.kv.delete(key, { cas: pair.modifyIndex })).toBe(true)
    expect((await suite.consul.kv.get(key)).value).toBeNull()
  })
})

describe('locks', () => {
  it('acquires, refuses a second session, releases, and counts LockIndex', async () => {
    const key = `${suite.prefix}/lock`
    const [s1, s2] = [await newSession(), await newSession()]

    expect(await suite.consul.kv.acquire(key, s1, 'holder-1', { flags: LOCK_FLAGS })).toBe(true)
    let pair = (await suite.consul.kv.get(key)).value
    expect(pair).toMatchObject({ session: s1, lockIndex: 1n, flags: LOCK_FLAGS })
    expect(pair?.value?.toString()).toBe('holder-1')

    expect(await suite.consul.kv.acquire(key, s2, 'holder-2', { flags: LOCK_FLAGS })).toBe(false)
    expect(await suite.consul.kv.release(key, s2)).toBe(false)

    expect(await suite.consul.kv.release(key, s1, 'released', { flags: LOCK_FLAGS })).toBe(true)
    pair = (await suite.consul.kv.get(key)).value
    expect(pair?.session).toBeUndefined()
    expect(pair?.lockIndex).toBe(1n)
    expect(pair?.value?.toString()).toBe('released')

    expect(await suite.consul.kv.acquire(key, s2, 'holder-2', { flags: LOCK_FLAGS })).toBe(true)
    pair = (await suite.consul.kv.get(key)).value
    expect(pair).toMatchObject({ session: s2, lockIndex: 2n, flags: LOCK_FLAGS })
  })
})

describe('listing', () => {
  it('lists recursively in key order and lists keys up to a separator', async () => {
    const base = `${suite.prefix}/tree/`
    for (const key of ['bar', 'baz', 'foo/sub1', 'foo/sub2', 'zip'])
      await suite.consul.kv.put(`${base}${key}`, key)

    const { value: pairs } = await suite.consul.kv.list(base)
    expect(pairs.map((pair) => pair.key.slice(base.length))).toEqual([
      'bar',
      'baz',
      'foo/sub1',
      'foo/sub2',
      'zip',
    ])
    expect(pairs[2]?.value?.toString()).toBe('foo/sub1')

    const { value: keys } = await suite.consul.kv.keys(base, { separator: '/' })
    expect(keys.map((key) => key.slice(base.length))).toEqual(['bar', 'baz', 'foo/', 'zip'])
    const { value: all } = await suite.consul.kv.keys(base)
    expect(all).toHaveLength(5)
  })

  it('lists nothing under an unused suite.prefix', async () => {
    expect((await suite.consul.kv.list(`${suite.prefix}/nothing/`)).value).toEqual([])
    expect((await suite.consul.kv.keys(`${suite.prefix}/nothing/`)).value).toEqual([])
  })

  it('deletes a whole suite.prefix with recurse', async () => {
    const base = `${suite.prefix}/doomed/`
    await suite.consul.kv.put(`${base}a`, 'a')
    await suite.consul.kv.put(`${base}b/c`, 'c')
    expect(await suite.consul.kv.delete(base, { recurse: true })).toBe(true)
    expect((await suite.consul.kv.list(base)).value).toEqual([])
  })
})

describe('blocking reads', () => {
  it('returns as soon as the watched key changes', async () => {
    const key = `${suite.prefix}/watched`
    await suite.consul.kv.put(key, 'v1')
    const before = await suite.consul.kv.get(key)

    const watch = suite.consul.kv.get(key, { index: before.meta.lastIndex, wait: '15s' })
    const returned = settledFlag(watch)
    await blockingQueriesHeld(suite.target)
    expect(returned()).toBe(false) // held by the server: nothing changed yet
    const started = performance.now()
    await suite.consul.kv.put(key, 'v2')

    const after = await watch
    expect(performance.now() - started).toBeLessThan(2_000)
    expect(after.value?.value?.toString()).toBe('v2')
    expect(after.meta.lastIndex).toBeGreaterThan(before.meta.lastIndex)
  })

  it('answers with the unchanged index when the wait elapses', async () => {
    const key = `${suite.prefix}/quiet`
    await suite.consul.kv.put(key, 'still')
    const before = await suite.consul.kv.get(key)
    const after = await suite.consul.kv.get(key, { index: before.meta.lastIndex, wait: '300ms' })
    expect(after.meta.lastIndex).toBe(before.meta.lastIndex)
    expect(after.value?.value?.toString()).toBe('still')
  })

  it('renews a session promptly while 20 blocking reads are held on the same client', async () => {
    const key = `${suite.prefix}/busy`
    await suite.consul.kv.put(key, 'v')
    const { meta } = await suite.consul.kv.get(key)
    const controller = new AbortController()
    const watches = Array.from({ length: 20 }, () =>
      suite.consul.kv
        .get(key, { index: meta.lastIndex, wait: '5m', signal: controller.signal })
        .catch((error: unknown) => error),
    )
    try {
      await blockingQueriesHeld(suite.target, 20)
      const session = await newSession()
      const started = performance.now()
      expect(await suite.consul.session.renew(session)).toMatchObject({ id: session })
      expect(performance.now() - started).toBeLessThan(1_000)
    } finally {
      controller.abort(new Error('test done'))
      await Promise.all(watches)
    }
  })

  it('aborts a blocking read in flight promptly with the signal reason, and the client stays usable', async () => {
    const key = `${suite.prefix}/abort`
    await suite.consul.kv.put(key, 'v')
    const { meta } = await suite.consul.kv.get(key)
    const controller = new AbortController()
    const watch = suite.consul.kv.get(key, { index: meta.lastIndex, wait: '5m', signal: controller.signal })
    const outcome = watch.then(
      () => 'resolved',
      (error: unknown) => error,
    )
    const returned = settledFlag(outcome)
    await blockingQueriesHeld(suite.target)
    expect(returned()).toBe(false)

    const reason = new Error('stop watching')
    const started = performance.now()
    controller.abort(reason)
    expect(await outcome).toBe(reason)
    expect(performance.now() - started).toBeLessThan(500)

    expect((await suite.consul.kv.get(key)).value?.value?.toString()).toBe('v')
  })
})
