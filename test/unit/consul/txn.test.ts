import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parseJson } from '../../../src/consul/json.js'
import type { TxnOp } from '../../../src/consul/types.js'
import { ConsulError, InvalidOptionError } from '../../../src/errors.js'
import { mockConsul } from '../../support/mock-consul.js'

const LOCK_FLAGS = 3304740253564472344n
const MAX_U64 = 18446744073709551615n

let mock: ReturnType<typeof mockConsul>
beforeEach(() => {
  mock = mockConsul()
})
afterEach(() => mock.done())

const ALL_VERBS: TxnOp[] = [
  { verb: 'set', key: 'a', value: 'x', flags: MAX_U64 },
  { verb: 'cas', key: 'a', value: new Uint8Array([1, 2]), index: MAX_U64 },
  { verb: 'lock', key: 'l', session: 's1', value: 'me', flags: LOCK_FLAGS },
  { verb: 'unlock', key: 'l', session: 's1' },
  { verb: 'get', key: 'a' },
  { verb: 'get-or-empty', key: 'b' },
  { verb: 'get-tree', key: '' },
  { verb: 'check-index', key: 'a', index: 7n },
  { verb: 'check-session', key: 'l', session: 's1' },
  { verb: 'check-not-exists', key: 'n' },
  { verb: 'delete', key: 'd' },
  { verb: 'delete-tree', key: 'tree/' },
  { verb: 'delete-cas', key: 'd', index: 0 },
]

describe('consul.txn', () => {
  it('encodes all 13 verbs with base64 values and exact uint64 numbers', async () => {
    mock.pool.intercept({ path: '/v1/txn', method: 'PUT' }).reply(200, '{"Results":[],"Errors":null}')
    await mock.client().txn(ALL_VERBS)
    const body = mock.last().body ?? ''
    expect(body).toContain('"Flags":18446744073709551615')
    expect(body).toContain('"Index":18446744073709551615')
    expect(body).toContain('"Flags":3304740253564472344')
    expect(parseJson(body)).toEqual([
      { KV: { Verb: 'set', Key: 'a', Value: 'eA==', Flags: MAX_U64 } },
      { KV: { Verb: 'cas', Key: 'a', Value: 'AQI=', Index: MAX_U64 } },
      { KV: { Verb: 'lock', Key: 'l', Value: 'bWU=', Flags: LOCK_FLAGS, Session: 's1' } },
      { KV: { Verb: 'unlock', Key: 'l', Session: 's1' } },
      { KV: { Verb: 'get', Key: 'a' } },
      { KV: { Verb: 'get-or-empty', Key: 'b' } },
      { KV: { Verb: 'get-tree', Key: '' } },
      { KV: { Verb: 'check-index', Key: 'a', Index: 7n } },
      { KV: { Verb: 'check-session', Key: 'l', Session: 's1' } },
      { KV: { Verb: 'check-not-exists', Key: 'n' } },
      { KV: { Verb: 'delete', Key: 'd' } },
      { KV: { Verb: 'delete-tree', Key: 'tree/' } },
      { KV: { Verb: 'delete-cas', Key: 'd', Index: 0n } },
    ])
  })

  it('decodes results exactly on 200', async () => {
    mock.pool
      .intercept({ path: '/v1/txn', method: 'PUT' })
      .reply(
        200,
        '{"Results":[{"KV":{"LockIndex":1,"Key":"l","Flags":3304740253564472344,"Value":null,"Session":"s1","CreateIndex":18446744073709551615,"ModifyIndex":18446744073709551615}},{"KV":{"LockIndex":0,"Key":"a","Flags":0,"Value":"eA==","CreateIndex":5,"ModifyIndex":6}}],"Errors":null}',
      )
    const result = await mock.client().txn([
      { verb: 'lock', key: 'l', session: 's1' },
      { verb: 'get', key: 'a' },
    ])
    expect(result).toEqual({
      ok: true,
      errors: [],
      results: [
        {
          key: 'l',
          value: null,
          flags: LOCK_FLAGS,
          session: 's1',
          lockIndex: 1n,
          createIndex: MAX_U64,
          modifyIndex: MAX_U64,
        },
        { key: 'a', value: Buffer.from('x'), flags: 0n, lockIndex: 0n, createIndex: 5n, modifyIndex: 6n },
      ],
    })
  })

  it('resolves ok:false with the errors on 409 (rolled back)', async () => {
    mock.pool
      .intercept({ path: '/v1/txn', method: 'PUT' })
      .reply(
        409,
        '{"Results":null,"Errors":[{"OpIndex":0,"What":"failed to lock key \\"l\\", lock is already held"},{"OpIndex":2,"What":"key \\"n\\" exists"}]}',
        { headers: { 'Content-Type': 'application/json' } },
      )
    expect(await mock.client().txn([{ verb: 'lock', key: 'l', session: 's2' }])).toEqual({
      ok: false,
      results: [],
      errors: [
        { opIndex: 0, what: 'failed to lock key "l", lock is already held' },
        { opIndex: 2, what: 'key "n" exists' },
      ],
    })
  })

  it('rejects with a ConsulError on other statuses', async () => {
    mock.pool
      .intercept({ path: '/v1/txn', method: 'PUT' })
      .reply(413, 'Transaction contains too many operations (129 > 128)')
    const error = await mock
      .client()
      .txn([{ verb: 'get', key: 'a' }])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConsulError)
    expect(error).toMatchObject({ status: 413, method: 'PUT', path: '/v1/txn', retryable: false })
  })

  it.each([
    [[{ verb: 'frob', key: 'a' }], 'ops[0].verb'],
    [[{ verb: 'get', key: '' }], 'ops[0].key'],
    [
      [
        { verb: 'get', key: 'a' },
        { verb: 'cas', key: 'a' },
      ],
      'ops[1].index',
    ],
    [[{ verb: 'lock', key: 'a' }], 'ops[0].session'],
    [[{ verb: 'set', key: 'a', flags: 2 ** 60 }], 'ops[0].flags'],
    [Array.from({ length: 129 }, () => ({ verb: 'get', key: 'a' })), 'ops'],
  ])('refuses %j before any request (option %s)', async (ops, option) => {
    const error = await mock
      .client()
      .txn(ops as never)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect((error as InvalidOptionError).option).toBe(option)
    expect(mock.seen).toHaveLength(0)
  })
})
