import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { InvalidOptionError } from '../../../src/errors.js'
import { mockConsul, readHeaders } from '../../support/mock-consul.js'

const LOCK_FLAGS = 3304740253564472344n
const MAX_U64 = 18446744073709551615n

let mock: ReturnType<typeof mockConsul>
beforeEach(() => {
  mock = mockConsul()
})
afterEach(() => mock.done())

/** A Consul KV entry as JSON text, with the uint64 fields written as exact digits. */
function entryJson(fields: {
  key: string
  value?: string | null
  flags?: bigint
  session?: string
  index?: bigint
}) {
  const value = fields.value === undefined || fields.value === null ? 'null' : JSON.stringify(fields.value)
  const session = fields.session ? `,"Session":${JSON.stringify(fields.session)}` : ''
  const index = fields.index ?? 12n
  return `{"LockIndex":${index},"Key":${JSON.stringify(fields.key)},"Flags":${fields.flags ?? 0n},"Value":${value}${session},"CreateIndex":${index},"ModifyIndex":${index}}`
}

describe('kv.get', () => {
  it('decodes the entry, keeps uint64 fields exact and parses the meta headers', async () => {
    const body = `[${entryJson({ key: 'locks/a', value: 'dGVzdA==', flags: LOCK_FLAGS, session: 'sess-1', index: MAX_U64 })}]`
    mock.pool
      .intercept({ path: '/v1/kv/locks/a', method: 'GET' })
      .reply(200, body, { headers: readHeaders(MAX_U64, { 'X-Consul-Lastcontact': '17' }) })

    const { value, meta } = await mock.client().kv.get('locks/a')

    expect(value).toEqual({
      key: 'locks/a',
      value: Buffer.from('test'),
      flags: LOCK_FLAGS,
      session: 'sess-1',
      lockIndex: MAX_U64,
      createIndex: MAX_U64,
      modifyIndex: MAX_U64,
    })
    expect(meta).toEqual({ lastIndex: MAX_U64, knownLeader: true, lastContact: 17 })
  })

  it('resolves value null with the meta of a 404, and no session field on an unheld key', async () => {
    mock.pool
      .intercept({ path: '/v1/kv/missing', method: 'GET' })
      .reply(404, '', { headers: readHeaders(99) })
    mock.pool
      .intercept({ path: '/v1/kv/plain', method: 'GET' })
      .reply(200, `[${entryJson({ key: 'plain', value: null })}]`, { headers: readHeaders(12) })

    const consul = mock.client()
    expect(await consul.kv.get('missing')).toEqual({
      value: null,
      meta: { lastIndex: 99n, knownLeader: true, lastContact: 0 },
    })
    const plain = (await consul.kv.get('plain')).value
    expect(plain?.value).toBeNull()
    expect(plain && 'session' in plain).toBe(false)
  })

  it('reads absent uint64 fields as 0n and an absent or null Value as null, like Go zero values', async () => {
    mock.pool
      .intercept({ path: '/v1/kv/sparse', method: 'GET' })
      .reply(200, '[{"Key":"sparse","Session":"","CreateIndex":3,"ModifyIndex":4}]', {
        headers: readHeaders(4),
      })
    expect((await mock.client().kv.get('sparse')).value).toEqual({
      key: 'sparse',
      value: null,
      flags: 0n,
      lockIndex: 0n,
      createIndex: 3n,
      modifyIndex: 4n,
    })
  })

  it('sends index, wait, consistent, stale, dc, ns and partition in the query string', async () => {
    mock.pool
      .intercept({ path: /^\/v1\/kv\/k/, method: 'GET' })
      .reply(200, '[]', { headers: readHeaders(8) })
      .times(2)
    const consul = mock.client({ datacenter: 'dc2', namespace: 'team', partition: 'part' })

    await consul.kv.get('k', { index: 7n, wait: '15s', consistent: true })
    expect(mock.last().path).toBe('/v1/kv/k?dc=dc2&ns=team&partition=part&consistent&index=7&wait=15000ms')
    await consul.kv.get('k', { stale: true, wait: 1500 })
    expect(mock.last().path).toBe('/v1/kv/k?dc=dc2&ns=team&partition=part&stale&wait=1500ms')
  })

  it('takes the namespace and partition from CONSUL_NAMESPACE and CONSUL_PARTITION', async () => {
    mock.pool.intercept({ path: /^\/v1\/kv\/k/, method: 'GET' }).reply(404, '')
    await mock.client({ env: { CONSUL_NAMESPACE: 'env-ns', CONSUL_PARTITION: 'env-p' } }).kv.get('k')
    expect(mock.last().path).toBe('/v1/kv/k?ns=env-ns&partition=env-p')
  })

  it('percent-encodes key segments but keeps the / separators', async () => {
    mock.pool.intercept({ path: /^\/v1\/kv\//, method: 'GET' }).reply(404, '')
    await mock.client().kv.get('a b/c?d#e/ü%/')
    expect(mock.last().path).toBe('/v1/kv/a%20b/c%3Fd%23e/%C3%BC%25/')
  })

  it.each([
    ['', 'must not be empty'],
    ['/leading', "must not begin with '/'"],
    ['a//b', 'empty'],
    ['a/../b', "'..'"],
    ['a/./b', "'.'"],
  ])('refuses the key %j before any request', async (key, problem) => {
    await expect(mock.client().kv.get(key)).rejects.toThrow(InvalidOptionError)
    await expect(mock.client().kv.get(key)).rejects.toThrow(problem)
    expect(mock.seen).toHaveLength(0)
  })

  it('refuses consistent with stale before any request', async () => {
    await expect(mock.client().kv.get('k', { consistent: true, stale: true })).rejects.toThrow(
      InvalidOptionError,
    )
    expect(mock.seen).toHaveLength(0)
  })
})

describe('kv.list and kv.keys', () => {
  it('lists recursively and maps a 404 to an empty list', async () => {
    const body = `[${entryJson({ key: 'p/a', value: 'YQ==' })},${entryJson({ key: 'p/b', value: 'Yg==' })}]`
    mock.pool
      .intercept({ path: '/v1/kv/p/?index=4&recurse', method: 'GET' })
      .reply(200, body, { headers: readHeaders(30) })
    mock.pool
      .intercept({ path: '/v1/kv/none/?recurse', method: 'GET' })
      .reply(404, '', { headers: readHeaders(31) })

    const consul = mock.client()
    const { value, meta } = await consul.kv.list('p/', { index: 4n })
    expect(mock.seen[0]?.path).toBe('/v1/kv/p/?index=4&recurse')
    expect(value.map((pair) => [pair.key, pair.value?.toString()])).toEqual([
      ['p/a', 'a'],
      ['p/b', 'b'],
    ])
    expect(meta.lastIndex).toBe(30n)
    expect(await consul.kv.list('none/')).toEqual({
      value: [],
      meta: { lastIndex: 31n, knownLeader: true, lastContact: 0 },
    })
  })

  it('lists the whole store for an empty prefix', async () => {
    mock.pool
      .intercept({ path: '/v1/kv/?recurse', method: 'GET' })
      .reply(200, '[]', { headers: readHeaders(3) })
    expect((await mock.client().kv.list('')).value).toEqual([])
    expect(mock.last().path).toBe('/v1/kv/?recurse')
  })

  it('lists keys with a separator, and maps a 404 to an empty list', async () => {
    mock.pool
      .intercept({ path: '/v1/kv/foo/?keys&separator=%2F', method: 'GET' })
      .reply(200, '["foo/bar","foo/sub/"]', { headers: readHeaders(40) })
    mock.pool
      .intercept({ path: '/v1/kv/nothing?keys', method: 'GET' })
      .reply(404, '', { headers: readHeaders(41) })

    const consul = mock.client()
    expect((await consul.kv.keys('foo/', { separator: '/' })).value).toEqual(['foo/bar', 'foo/sub/'])
    expect(mock.last().path).toBe('/v1/kv/foo/?keys&separator=%2F')
    expect((await consul.kv.keys('nothing')).value).toEqual([])
    expect(mock.last().path).toBe('/v1/kv/nothing?keys')
  })
})

describe('kv writes', () => {
  it('puts bytes with flags and cas, exactly, and reads the boolean answer', async () => {
    mock.pool.intercept({ path: /^\/v1\/kv\/k\?/, method: 'PUT' }).reply(200, 'true')
    mock.pool.intercept({ path: /^\/v1\/kv\/k\?/, method: 'PUT' }).reply(200, 'false')

    const consul = mock.client()
    expect(await consul.kv.put('k', 'héllo', { flags: MAX_U64, cas: 0n })).toBe(true)
    const first = mock.last()
    expect(first.path).toBe('/v1/kv/k?flags=18446744073709551615&cas=0')
    expect(first.body).toBe('héllo')
    expect(first.headers['content-type']).toBe('application/octet-stream')

    expect(
      await consul.kv.put('k', Buffer.from([0, 255]), { flags: LOCK_FLAGS, cas: 3304740253564472344n }),
    ).toBe(false)
    expect(mock.last().path).toBe('/v1/kv/k?flags=3304740253564472344&cas=3304740253564472344')
  })

  it('omits flags=0 like Go and sends an empty body for a null value', async () => {
    mock.pool.intercept({ path: '/v1/kv/k', method: 'PUT' }).reply(200, 'true\n')
    expect(await mock.client().kv.put('k', null, { flags: 0n })).toBe(true)
    expect(mock.last().path).toBe('/v1/kv/k')
    expect(mock.last().body).toBe('')
  })

  it('acquires and releases with the session, flags and value', async () => {
    mock.pool
      .intercept({ path: /^\/v1\/kv\/lock/, method: 'PUT' })
      .reply(200, 'true')
      .times(2)
    const consul = mock.client()

    expect(await consul.kv.acquire('lock', 'sess-1', 'me', { flags: LOCK_FLAGS })).toBe(true)
    expect(mock.last().path).toBe('/v1/kv/lock?flags=3304740253564472344&acquire=sess-1')
    expect(mock.last().body).toBe('me')
    expect(await consul.kv.release('lock', 'sess-1')).toBe(true)
    expect(mock.last().path).toBe('/v1/kv/lock?release=sess-1')
    expect(mock.last().body).toBe('')
  })

  it('deletes with cas or recurse and refuses both together before any request', async () => {
    mock.pool
      .intercept({ path: /^\/v1\/kv\//, method: 'DELETE' })
      .reply(200, 'true')
      .times(3)
    const consul = mock.client()

    expect(await consul.kv.delete('k')).toBe(true)
    expect(mock.last().path).toBe('/v1/kv/k')
    expect(await consul.kv.delete('k', { cas: MAX_U64 })).toBe(true)
    expect(mock.last().path).toBe('/v1/kv/k?cas=18446744073709551615')
    expect(await consul.kv.delete('tree/', { recurse: true })).toBe(true)
    expect(mock.last().path).toBe('/v1/kv/tree/?recurse')
    await expect(consul.kv.delete('k', { recurse: true, cas: 1n })).rejects.toThrow(InvalidOptionError)
    expect(mock.seen).toHaveLength(3)
  })

  it.each([
    [{ flags: 2 ** 53 + 2 }, 'flags'],
    [{ flags: -1 }, 'flags'],
    [{ flags: 2n ** 64n }, 'flags'],
    [{ cas: 1.5 }, 'cas'],
  ])('refuses %o (naming %s) before any request', async (options, option) => {
    const error = await mock
      .client()
      .kv.put('k', 'v', options as never)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect((error as InvalidOptionError).option).toBe(option)
    expect(mock.seen).toHaveLength(0)
  })

  it('refuses a missing session and a non-byte value', async () => {
    const consul = mock.client()
    await expect(consul.kv.acquire('k', '')).rejects.toThrow(InvalidOptionError)
    await expect(consul.kv.put('k', 42 as never)).rejects.toThrow(InvalidOptionError)
    expect(mock.seen).toHaveLength(0)
  })
})
