import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { againstRealConsul, uniquePrefix, useTarget } from '../../support/consul-target.js'
import { createSession, type KvPairJson, raw } from '../../support/raw-http.js'

// KV endpoint conformance (consul-api.md §3, §1.11). Runs against a real agent too.
const t = useTarget()

const kvPath = (key: string, query = ''): string => `/v1/kv/${key}${query ? `?${query}` : ''}`
const get = async (key: string, query = '') => raw(t, 'GET', kvPath(key, query))
const put = async (key: string, query = '', body?: string) => raw(t, 'PUT', kvPath(key, query), { body })
const entryOf = async (key: string): Promise<KvPairJson> => {
  const res = await get(key)
  expect(res.status).toBe(200)
  return res.json<KvPairJson[]>()[0] as KvPairJson
}

describe('PUT and GET of a single key', () => {
  it('stores the body verbatim and returns a one-element array with base64 Value', async () => {
    const key = `${uniquePrefix('kv')}/a`
    expect((await put(key, '', 'test')).text.trim()).toBe('true')
    const res = await get(key)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json')
    const [entry] = res.json<KvPairJson[]>()
    expect(entry).toMatchObject({
      Key: key,
      Flags: 0,
      LockIndex: 0,
      Value: Buffer.from('test').toString('base64'),
    })
    expect(entry?.CreateIndex).toBe(entry?.ModifyIndex)
    expect(res.index).toBe(entry?.ModifyIndex)
    expect(entry).not.toHaveProperty('Session')
  })

  it('stores an empty body as Value null', async () => {
    const key = `${uniquePrefix('kv')}/empty`
    await put(key)
    expect((await entryOf(key)).Value).toBeNull()
  })

  it('answers a missing key with 404, an empty body and meta headers (index ≥ 1)', async () => {
    const res = await get(`${uniquePrefix('kv')}/missing`)
    expect(res.status).toBe(404)
    expect(res.text).toBe('')
    expect(res.index).toBeGreaterThanOrEqual(1)
    expect(res.headers['x-consul-knownleader']).toBe('true')
  })

  it('serves ?raw as text/plain with sandbox headers and an exact Content-Length', async () => {
    const key = `${uniquePrefix('kv')}/raw`
    await put(key, '', '<b>hi</b>')
    const res = await get(key, 'raw')
    expect(res.text).toBe('<b>hi</b>')
    expect(res.headers['content-type']).toBe('text/plain')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['content-security-policy']).toBe('sandbox')
    expect(res.headers['content-length']).toBe('9')
    await put(key)
    const empty = await get(key, 'raw')
    expect(empty.status).toBe(200)
    expect(empty.headers['content-length']).toBe('0')
  })

  it('treats %2F as a path separator and keeps a trailing slash distinct', async () => {
    const prefix = uniquePrefix('kv')
    await put(`${prefix}%2Fenc`, '', 'x')
    expect((await entryOf(`${prefix}/enc`)).Key).toBe(`${prefix}/enc`)
    await put(`${prefix}/dir/`, '', 'dir')
    await put(`${prefix}/dir`, '', 'file')
    expect((await entryOf(`${prefix}/dir/`)).Value).toBe(Buffer.from('dir').toString('base64'))
    expect((await entryOf(`${prefix}/dir`)).Value).toBe(Buffer.from('file').toString('base64'))
  })

  it('rejects an empty key with 400 Missing key name', async () => {
    const res = await raw(t, 'PUT', '/v1/kv/')
    expect(res.status).toBe(400)
    expect(res.text).toBe('Missing key name')
    expect((await raw(t, 'GET', '/v1/kv/')).text).toBe('Missing key name')
    expect((await raw(t, 'DELETE', '/v1/kv/')).text).toBe('Missing key name')
  })
})

describe('flags are uint64 end to end', () => {
  for (const flags of ['3304740253564472344', '18446744073709551615', '9007199254740993']) {
    it(`round-trips ${flags} exactly`, async () => {
      const prefix = uniquePrefix('flags')
      await put(`${prefix}/k`, `flags=${flags}`, 'v')
      expect((await get(`${prefix}/k`)).text).toMatch(new RegExp(`"Flags": ?${flags},`))
      expect((await get(`${prefix}/`, 'recurse')).text).toMatch(new RegExp(`"Flags": ?${flags},`))
    })
  }

  it('resets Flags to 0 on a PUT without ?flags', async () => {
    const key = `${uniquePrefix('flags')}/reset`
    await put(key, 'flags=42')
    await put(key)
    expect((await entryOf(key)).Flags).toBe(0)
  })

  it('answers bad ?flags and ?cas with strconv.ParseUint 500s', async () => {
    const key = `${uniquePrefix('flags')}/bad`
    const syntax = await put(key, 'flags=abc')
    expect(syntax.status).toBe(500)
    expect(syntax.text).toBe('strconv.ParseUint: parsing "abc": invalid syntax')
    const range = await put(key, 'flags=18446744073709551616')
    expect(range.text).toBe('strconv.ParseUint: parsing "18446744073709551616": value out of range')
    expect((await put(key, 'flags=-1')).text).toBe('strconv.ParseUint: parsing "-1": invalid syntax')
    expect((await put(key, 'cas=x1')).text).toBe('strconv.ParseUint: parsing "x1": invalid syntax')
    expect((await put(key, 'flags=')).text).toBe('strconv.ParseUint: parsing "": invalid syntax')
  })
})

describe('index accounting', () => {
  it('consumes one index per apply, even for a failed CAS, but not for an identical rewrite', async () => {
    const prefix = uniquePrefix('idx')
    await put(`${prefix}/a`, '', 'one')
    const first = await entryOf(`${prefix}/a`)
    expect(first.ModifyIndex).toBeGreaterThan(1)
    // Failed CAS: no change to the key, but an index is used (the next write shows a gap).
    expect((await put(`${prefix}/a`, 'cas=1', 'nope')).text.trim()).toBe('false')
    // Identical rewrite: same ModifyIndex.
    await put(`${prefix}/a`, '', 'one')
    expect((await entryOf(`${prefix}/a`)).ModifyIndex).toBe(first.ModifyIndex)
    await put(`${prefix}/b`, '', 'x')
    const b = await entryOf(`${prefix}/b`)
    if (t.server) expect(b.ModifyIndex).toBe(first.ModifyIndex + 3)
    else expect(b.ModifyIndex).toBeGreaterThanOrEqual(first.ModifyIndex + 3)
  })
})

describe('CAS', () => {
  it('cas=0 creates only a missing key; cas=N writes only at ModifyIndex N', async () => {
    const key = `${uniquePrefix('cas')}/k`
    expect((await put(key, 'cas=0', 'a')).text.trim()).toBe('true')
    expect((await put(key, 'cas=0', 'b')).text.trim()).toBe('false')
    const { ModifyIndex } = await entryOf(key)
    expect((await put(key, `cas=${ModifyIndex + 1000}`, 'c')).text.trim()).toBe('false')
    expect((await put(key, `cas=${ModifyIndex}`, 'd')).text.trim()).toBe('true')
    expect((await entryOf(key)).Value).toBe(Buffer.from('d').toString('base64'))
    expect((await put(`${key}-missing`, 'cas=5', 'x')).text.trim()).toBe('false')
  })

  it('rejects more than one of cas/acquire/release with 400 Conflicting flags', async () => {
    const key = `${uniquePrefix('cas')}/k`
    const res = await put(key, 'release=b&cas=0&acquire=a')
    expect(res.status).toBe(400)
    expect(res.text.trimEnd()).toBe('Conflicting flags: acquire=a&cas=0&release=b')
  })
})

describe('locks: acquire and release (the worked sequence of §3.4)', () => {
  it('follows LockIndex/ModifyIndex/Session exactly', async () => {
    const key = `${uniquePrefix('lock')}/k`
    const s1 = await createSession(t, { LockDelay: '0s' })
    const s2 = await createSession(t, { LockDelay: '0s' })
    const s3 = await createSession(t, { LockDelay: '0s' })

    expect((await put(key, `acquire=${s1}`, 'v1')).text.trim()).toBe('true')
    const a = await entryOf(key)
    expect(a).toMatchObject({ LockIndex: 1, Session: s1, CreateIndex: a.ModifyIndex })

    // Re-acquire by the holder with identical body: nothing changes.
    expect((await put(key, `acquire=${s1}`, 'v1')).text.trim()).toBe('true')
    expect((await entryOf(key)).ModifyIndex).toBe(a.ModifyIndex)

    // Holder re-acquires with a new body: value updated, LockIndex unchanged.
    await put(key, `acquire=${s1}`, 'v2')
    const b = await entryOf(key)
    expect(b).toMatchObject({ LockIndex: 1, Session: s1, Value: Buffer.from('v2').toString('base64') })
    expect(b.ModifyIndex).toBeGreaterThan(a.ModifyIndex)

    // Another session cannot take it.
    expect((await put(key, `acquire=${s2}`, 'x')).text.trim()).toBe('false')
    expect((await entryOf(key)).ModifyIndex).toBe(b.ModifyIndex)

    // Release writes the body and flags, clears Session, keeps LockIndex.
    expect((await put(key, `release=${s1}&flags=7`, 'released')).text.trim()).toBe('true')
    const c = await entryOf(key)
    expect(c).toMatchObject({ LockIndex: 1, Flags: 7, Value: Buffer.from('released').toString('base64') })
    expect(c).not.toHaveProperty('Session')

    expect((await put(key, `acquire=${s2}`)).text.trim()).toBe('true')
    expect((await entryOf(key)).LockIndex).toBe(2)
    await raw(t, 'PUT', `/v1/session/destroy/${s2}`)
    const d = await entryOf(key)
    expect(d.LockIndex).toBe(2)
    expect(d).not.toHaveProperty('Session')
    expect((await put(key, `acquire=${s3}`)).text.trim()).toBe('true')
    expect((await entryOf(key)).LockIndex).toBe(3)
    expect(d.CreateIndex).toBe(a.CreateIndex)
  })

  it('a plain set keeps the holder but resets LockIndex to 0', async () => {
    const key = `${uniquePrefix('lock')}/quirk`
    const s = await createSession(t)
    await put(key, `acquire=${s}`, 'v')
    await put(key, '', 'overwritten')
    expect(await entryOf(key)).toMatchObject({ Session: s, LockIndex: 0 })
    await put(key, `acquire=${s}`, 'again')
    expect((await entryOf(key)).LockIndex).toBe(0)
    await put(key, `release=${s}`)
    expect((await entryOf(key)).LockIndex).toBe(0)
    await put(key, `acquire=${s}`)
    expect((await entryOf(key)).LockIndex).toBe(1)
  })

  // KVS.Apply wraps the FSM's error: `raft apply failed: %w` (agent/consul/kvs_endpoint.go).
  it('rejects empty and unknown sessions with the state-store texts, as KVS.Apply wraps them', async () => {
    const key = `${uniquePrefix('lock')}/errors`
    const empty = await put(key, 'acquire=')
    expect(empty.status).toBe(500)
    expect(empty.text).toBe('raft apply failed: missing session')
    expect((await put(key, 'release=')).text).toBe('raft apply failed: missing session')
    const unknown = await put(key, 'acquire=00000000-0000-0000-0000-000000000000')
    expect(unknown.status).toBe(500)
    expect(unknown.text).toBe('raft apply failed: invalid session "00000000-0000-0000-0000-000000000000"')
    // Releasing with a session that does not hold the key is just `false`.
    await put(key, '', 'v')
    expect((await put(key, 'release=00000000-0000-0000-0000-000000000000')).text.trim()).toBe('false')
  })
})

describe('DELETE', () => {
  it('deletes plain (missing is fine), by prefix, and with cas', async () => {
    const prefix = uniquePrefix('del')
    for (const k of ['a', 'b', 'c/d']) await put(`${prefix}/${k}`, '', k)
    expect((await raw(t, 'DELETE', kvPath(`${prefix}/a`))).text.trim()).toBe('true')
    expect((await raw(t, 'DELETE', kvPath(`${prefix}/nothing`))).text.trim()).toBe('true')
    expect((await get(`${prefix}/a`)).status).toBe(404)

    const { ModifyIndex } = await entryOf(`${prefix}/b`)
    expect((await raw(t, 'DELETE', kvPath(`${prefix}/b`, 'cas=0'))).text.trim()).toBe('false')
    expect((await raw(t, 'DELETE', kvPath(`${prefix}/b`, `cas=${ModifyIndex + 1}`))).text.trim()).toBe(
      'false',
    )
    expect((await raw(t, 'DELETE', kvPath(`${prefix}/b`, `cas=${ModifyIndex}`))).text.trim()).toBe('true')
    expect((await raw(t, 'DELETE', kvPath(`${prefix}/missing`, 'cas=0'))).text.trim()).toBe('true')

    expect((await raw(t, 'DELETE', kvPath(`${prefix}/`, 'recurse'))).text.trim()).toBe('true')
    expect((await get(`${prefix}/`, 'recurse')).status).toBe(404)
  })

  it('rejects recurse+cas with Conflicting flags', async () => {
    const res = await raw(t, 'DELETE', kvPath(`${uniquePrefix('del')}/x`, 'recurse&cas=1'))
    expect(res.status).toBe(400)
    expect(res.text.trimEnd()).toBe('Conflicting flags: cas=1&recurse=')
  })

  it('lets anyone delete a held key', async () => {
    const key = `${uniquePrefix('del')}/held`
    const s = await createSession(t)
    await put(key, `acquire=${s}`)
    expect((await raw(t, 'DELETE', kvPath(key))).text.trim()).toBe('true')
    expect((await get(key)).status).toBe(404)
  })

  it('keeps a prefix index from going backwards with tombstones', async () => {
    const prefix = uniquePrefix('tomb')
    await put(`${prefix}/only`, '', 'x')
    const before = (await get(`${prefix}/`, 'recurse')).index
    await raw(t, 'DELETE', kvPath(`${prefix}/only`))
    const after = await get(`${prefix}/`, 'recurse')
    expect(after.status).toBe(404)
    expect(after.index).toBeGreaterThan(before)
  })
})

describe('recurse and keys', () => {
  it('lists entries sorted by key with raw-prefix semantics and the max ModifyIndex', async () => {
    const prefix = uniquePrefix('list')
    for (const k of ['b', 'a', 'c/x', 'ab']) await put(`${prefix}/${k}`, '', k)
    await put(`${prefix}x`, '', 'sibling')
    const res = await get(`${prefix}/`, 'recurse')
    const entries = res.json<KvPairJson[]>()
    expect(entries.map((e) => e.Key)).toEqual(['a', 'ab', 'b', 'c/x'].map((k) => `${prefix}/${k}`))
    expect(res.index).toBe(Math.max(...entries.map((e) => e.ModifyIndex)))
    // A raw prefix (no slash) also matches the sibling `${prefix}x`.
    expect((await get(prefix, 'recurse')).json<KvPairJson[]>()).toHaveLength(5)
  })

  it('lists keys, cut after the separator and de-duplicated', async () => {
    const prefix = uniquePrefix('keys')
    for (const k of ['bar', 'baz', 'foo/sub1', 'foo/sub2', 'zip']) await put(`${prefix}/${k}`)
    const res = await get(`${prefix}/`, 'keys&separator=/')
    expect(res.json()).toEqual(['bar', 'baz', 'foo/', 'zip'].map((k) => `${prefix}/${k}`))
    const legacy = await get(`${prefix}/`, 'keys&seperator=/')
    expect(legacy.json()).toEqual(res.json())
    const all = await get(`${prefix}/`, 'keys')
    expect(all.json<string[]>()).toHaveLength(5)
  })

  it('cuts nested keys relative to the prefix', async () => {
    const prefix = `${uniquePrefix('keys')}/foo/bar/`
    for (const k of ['baz', 'zip', 'zip/zam']) await put(`${prefix}${k}`)
    const res = await get(prefix, 'keys&separator=/')
    expect(res.json()).toEqual([`${prefix}baz`, `${prefix}zip`, `${prefix}zip/`])
  })

  it('answers an empty ?keys listing under a non-empty prefix with 404', async () => {
    const res = await get(`${uniquePrefix('keys')}/none/`, 'keys')
    expect(res.status).toBe(404)
    expect(res.index).toBeGreaterThanOrEqual(1)
  })
})

describe('body size', () => {
  it('rejects a KV body over 512 KiB with 413 and the exact text', async () => {
    const key = `${uniquePrefix('big')}/k`
    const body = 'x'.repeat(524_289)
    const res = await raw(t, 'PUT', kvPath(key), { body })
    expect(res.status).toBe(413)
    expect(res.text).toMatch(
      /^Request body\(524289 bytes\) too large, max size: 524288 bytes\. See https:\/\/[^ ]+#kv_max_value_size\.$/,
    )
    const ok = await raw(t, 'PUT', kvPath(key), { body: 'x'.repeat(524_288) })
    expect(ok.status).toBe(200)
  })

  // Dev server only: Consul caps bodies without a Content-Length only since 1.21.6/1.22.0, and
  // the stored sources do not show that version's exact text (consul-api.md §1.10).
  it.skipIf(againstRealConsul)('cuts off a chunked KV body once it passes 512 KiB, with 413', async () => {
    const key = `${uniquePrefix('big')}/chunked`
    const body = Readable.from([Buffer.alloc(300_000, 'x'), Buffer.alloc(300_000, 'x')])
    const res = await raw(t, 'PUT', kvPath(key), { body })
    expect(res.status).toBe(413)
    expect(res.text).toMatch(
      /^Request body too large, max size: 524288 bytes\. See https:\/\/[^ ]+#kv_max_value_size\.$/,
    )
    expect((await get(key)).status).toBe(404)
  })
})
