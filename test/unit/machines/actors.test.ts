import { afterEach, describe, expect, it, vi } from 'vitest'
import { createActor } from 'xstate'
import { acquireKey, isSessionRejection } from '../../../machines/actors/acquire-key.js'
import { createSession } from '../../../machines/actors/create-session.js'
import { deleteKey } from '../../../machines/actors/delete-key.js'
import { destroySession } from '../../../machines/actors/destroy-session.js'
import { createLockActors } from '../../../machines/actors/index.js'
import { readKey } from '../../../machines/actors/read-key.js'
import { releaseKey } from '../../../machines/actors/release-key.js'
import { renewSession } from '../../../machines/actors/renew-session.js'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import { parseJson } from '../../../src/consul/json.js'
import type { KVPair, SessionEntry, TxnResult } from '../../../src/consul/types.js'
import { ConsulError } from '../../../src/errors.js'
import { fakeClient, meta, run } from '../../support/fake-client.js'
import { kvPair } from '../../support/lock-harness.js'
import { mockConsul, readHeaders } from '../../support/mock-consul.js'

const KEY = 'service/leader'

function sessionEntry(ttl: string): SessionEntry {
  return {
    id: 'sess-1',
    name: 'Consul API Lock',
    node: 'node-1',
    lockDelay: 15_000,
    behavior: 'release',
    ttl,
    nodeChecks: ['serfHealth'],
    serviceChecks: [],
    createIndex: 1n,
    modifyIndex: 1n,
  }
}

function txnOk(results: KVPair[]): TxnResult {
  return { ok: true, results, errors: [] }
}

function txnRolledBack(what: string, opIndex = 1): TxnResult {
  return { ok: false, results: [], errors: [{ opIndex, what }] }
}

describe('createLockActors', () => {
  it('binds one actor per Consul call, named as the machine invokes them', () => {
    expect(Object.keys(createLockActors(fakeClient())).sort()).toEqual([
      'acquireKey',
      'createSession',
      'deleteKey',
      'destroySession',
      'readKey',
      'releaseKey',
      'renewSession',
    ])
  })
})

describe('createSession actor', () => {
  it('creates a session with the options verbatim and reports how long the create took', async () => {
    const client = fakeClient()
    client.session.create.mockResolvedValue('new-session')
    vi.spyOn(performance, 'now').mockReturnValueOnce(1_000).mockReturnValueOnce(1_250)
    const sessionOptions = { name: 'Consul API Lock', ttl: '15s', lockDelay: 0 }
    await expect(run(createSession(client), { sessionOptions })).resolves.toEqual({
      id: 'new-session',
      elapsedMs: 250,
    })
    expect(client.session.create).toHaveBeenCalledTimes(1)
    expect(client.session.create).toHaveBeenCalledWith(sessionOptions, { signal: expect.any(AbortSignal) })
  })

  it('rejects with the client error', async () => {
    const client = fakeClient()
    const error = new ConsulError({
      status: 500,
      body: 'rpc error',
      method: 'PUT',
      path: '/v1/session/create',
    })
    client.session.create.mockRejectedValue(error)
    await expect(run(createSession(client), { sessionOptions: {} })).rejects.toBe(error)
  })
})

describe('renewSession actor', () => {
  it('adopts the TTL the server answers with, in ms, and how long the renew took', async () => {
    const client = fakeClient()
    client.session.renew.mockResolvedValue(sessionEntry('1m30s'))
    vi.spyOn(performance, 'now').mockReturnValueOnce(500).mockReturnValueOnce(540)
    await expect(run(renewSession(client), { session: 'sess-1' })).resolves.toEqual({
      ttlMs: 90_000,
      elapsedMs: 40,
    })
    expect(client.session.renew).toHaveBeenCalledWith('sess-1', { signal: expect.any(AbortSignal) })
  })

  it('reads a session without a TTL as ttlMs 0', async () => {
    const client = fakeClient()
    client.session.renew.mockResolvedValue(sessionEntry(''))
    const renewed = await run(renewSession(client), { session: 'sess-1' })
    expect(renewed?.ttlMs).toBe(0)
  })

  it('answers null when the session is gone (404)', async () => {
    const client = fakeClient()
    client.session.renew.mockResolvedValue(null)
    await expect(run(renewSession(client), { session: 'sess-1' })).resolves.toBeNull()
  })
})

describe('destroySession actor', () => {
  it('destroys the session', async () => {
    const client = fakeClient()
    client.session.destroy.mockResolvedValue(undefined)
    await expect(run(destroySession(client), { session: 'sess-1' })).resolves.toBeUndefined()
    expect(client.session.destroy).toHaveBeenCalledWith('sess-1', { signal: expect.any(AbortSignal) })
  })
})

describe('readKey actor', () => {
  it('blocks on the index for at most waitMs, with the requested consistency', async () => {
    const client = fakeClient()
    const pair = kvPair({ key: KEY, session: 'other', modifyIndex: 41n })
    client.kv.get.mockResolvedValue({ value: pair, meta: meta(42n) })
    await expect(
      run(readKey(client), { key: KEY, index: 40n, waitMs: 15_000, consistent: false }),
    ).resolves.toEqual({ pair, index: 42n })
    expect(client.kv.get).toHaveBeenCalledWith(KEY, {
      index: 40n,
      wait: 15_000,
      consistent: false,
      signal: expect.any(AbortSignal),
    })
  })

  it("sends no wait without waitMs (Consul's default), and reads a missing key as null", async () => {
    const client = fakeClient()
    client.kv.get.mockResolvedValue({ value: null, meta: meta(7n) })
    await expect(run(readKey(client), { key: KEY, index: 0n, consistent: true })).resolves.toEqual({
      pair: null,
      index: 7n,
    })
    const [, options] = client.kv.get.mock.calls[0] ?? []
    expect(options).toEqual({ index: 0n, consistent: true, signal: expect.any(AbortSignal) })
    expect(options).not.toHaveProperty('wait')
  })

  it('aborts the read when the actor is stopped', async () => {
    const client = fakeClient()
    let seen: AbortSignal | undefined
    client.kv.get.mockImplementation((_key, options) => {
      seen = options?.signal
      return new Promise(() => {})
    })
    const actor = createActor(readKey(client), { input: { key: KEY, index: 3n, consistent: true } })
    actor.start()
    expect(seen?.aborted).toBe(false)
    actor.stop()
    expect(seen?.aborted).toBe(true)
  })
})

describe('acquireKey actor', () => {
  const input = { key: KEY, session: 'sess-1', value: 'node-a', expectedModifyIndex: null }

  it('locks a missing key in one txn: check-not-exists + lock with the lock flags + get', async () => {
    const client = fakeClient()
    const lockResult = kvPair({ key: KEY, session: 'sess-1', lockIndex: 1n, modifyIndex: 1n })
    const read = kvPair({ key: KEY, session: 'sess-1', lockIndex: 3n, modifyIndex: 44n })
    client.txn.mockResolvedValue(txnOk([lockResult, read]))
    await expect(run(acquireKey(client), input)).resolves.toEqual({
      acquired: true,
      lockIndex: 3n,
      modifyIndex: 44n,
    })
    expect(client.txn).toHaveBeenCalledTimes(1)
    expect(client.txn).toHaveBeenCalledWith(
      [
        { verb: 'check-not-exists', key: KEY },
        { verb: 'lock', key: KEY, session: 'sess-1', value: 'node-a', flags: LOCK_FLAG_VALUE },
        { verb: 'get', key: KEY },
      ],
      { signal: expect.any(AbortSignal) },
    )
    expect(client.kv.get).not.toHaveBeenCalled()
  })

  it('locks an existing free key only at the ModifyIndex it was read at (check-index)', async () => {
    const client = fakeClient()
    client.txn.mockResolvedValue(txnOk([kvPair({ key: KEY, lockIndex: 2n, modifyIndex: 13n })]))
    await run(acquireKey(client), { ...input, value: null, expectedModifyIndex: 12n })
    expect(client.txn.mock.calls[0]?.[0]).toEqual([
      { verb: 'check-index', key: KEY, index: 12n },
      { verb: 'lock', key: KEY, session: 'sess-1', value: null, flags: LOCK_FLAG_VALUE },
      { verb: 'get', key: KEY },
    ])
  })

  it('reads the key once, without blocking, to name the holder when the txn is rolled back', async () => {
    const client = fakeClient()
    client.txn.mockResolvedValue(txnRolledBack('failed to lock key "service/leader", lock is already held'))
    client.kv.get.mockResolvedValue({ value: kvPair({ key: KEY, session: 'other' }), meta: meta(88n) })
    await expect(run(acquireKey(client), input)).resolves.toEqual({
      acquired: false,
      holder: 'other',
      index: 88n,
    })
    expect(client.kv.get).toHaveBeenCalledTimes(1)
    expect(client.kv.get).toHaveBeenCalledWith(KEY, { signal: expect.any(AbortSignal) })
  })

  it('answers holder null when nobody holds the key after a rollback (a lock-delay)', async () => {
    const client = fakeClient()
    client.txn.mockResolvedValue(txnRolledBack('failed to lock key: lock delay'))
    client.kv.get.mockResolvedValue({ value: kvPair({ key: KEY }), meta: meta(90n) })
    await expect(run(acquireKey(client), input)).resolves.toEqual({
      acquired: false,
      holder: null,
      index: 90n,
    })
  })

  it('answers holder null when the key vanished after a rollback', async () => {
    const client = fakeClient()
    client.txn.mockResolvedValue(txnRolledBack('failed to check index', 0))
    client.kv.get.mockResolvedValue({ value: null, meta: meta(91n) })
    await expect(run(acquireKey(client), input)).resolves.toEqual({
      acquired: false,
      holder: null,
      index: 91n,
    })
  })

  it.each(['failed to lock key "service/leader": invalid session "sess-1"', 'Missing session'])(
    'rejects with a ConsulError, without a read, for a session that cannot lock: %s',
    async (what) => {
      const client = fakeClient()
      client.txn.mockResolvedValue(txnRolledBack(what))
      const error = await run(acquireKey(client), input).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ConsulError)
      expect(error).toMatchObject({
        status: 409,
        body: what,
        method: 'PUT',
        path: '/v1/txn',
        retryable: false,
      })
      expect(client.kv.get).not.toHaveBeenCalled()
      expect(isSessionRejection(error)).toBe(true)
    },
  )

  it('tells a session rejection from any other failure', () => {
    const txn = (status: number, body: string) =>
      new ConsulError({ status, body, method: 'PUT', path: '/v1/txn' })
    expect(isSessionRejection(txn(409, 'invalid session'))).toBe(true)
    expect(isSessionRejection(txn(409, 'Missing session'))).toBe(true)
    expect(isSessionRejection(txn(409, 'lock is already held'))).toBe(false)
    expect(isSessionRejection(txn(500, 'leader lost'))).toBe(false)
    const kv = new ConsulError({ status: 409, body: 'invalid session', method: 'PUT', path: `/v1/kv/${KEY}` })
    expect(isSessionRejection(kv)).toBe(false)
    expect(isSessionRejection(new Error('invalid session'))).toBe(false)
    expect(isSessionRejection(undefined)).toBe(false)
  })

  it('rejects with the client error when the txn fails', async () => {
    const client = fakeClient()
    const error = new ConsulError({ status: 500, body: 'leader lost', method: 'PUT', path: '/v1/txn' })
    client.txn.mockRejectedValue(error)
    await expect(run(acquireKey(client), input)).rejects.toBe(error)
  })
})

describe('releaseKey actor', () => {
  it('releases with the value and the lock flags (every write replaces them)', async () => {
    const client = fakeClient()
    client.kv.release.mockResolvedValue(true)
    await expect(run(releaseKey(client), { key: KEY, session: 'sess-1', value: 'node-a' })).resolves.toBe(
      true,
    )
    expect(client.kv.release).toHaveBeenCalledWith(KEY, 'sess-1', 'node-a', {
      flags: LOCK_FLAG_VALUE,
      signal: expect.any(AbortSignal),
    })
  })

  it('answers false when the session did not hold the key', async () => {
    const client = fakeClient()
    client.kv.release.mockResolvedValue(false)
    await expect(run(releaseKey(client), { key: KEY, session: 'sess-1', value: null })).resolves.toBe(false)
  })
})

describe('deleteKey actor', () => {
  it('deletes only at the ModifyIndex the key was read at (cas)', async () => {
    const client = fakeClient()
    client.kv.delete.mockResolvedValue(true)
    await expect(run(deleteKey(client), { key: KEY, modifyIndex: 77n })).resolves.toBe(true)
    expect(client.kv.delete).toHaveBeenCalledWith(KEY, { cas: 77n, signal: expect.any(AbortSignal) })
  })

  it('answers false when the key changed since it was read', async () => {
    const client = fakeClient()
    client.kv.delete.mockResolvedValue(false)
    await expect(run(deleteKey(client), { key: KEY, modifyIndex: 77n })).resolves.toBe(false)
  })
})

describe('lock actors on the wire (undici MockAgent)', () => {
  let mock: ReturnType<typeof mockConsul> | undefined
  afterEach(async () => {
    await mock?.done()
    mock = undefined
  })

  it('acquire sends check-not-exists + lock (flags 0x2ddccbc058a50c18) + get to /v1/txn', async () => {
    mock = mockConsul()
    mock.pool
      .intercept({ path: '/v1/txn', method: 'PUT' })
      .reply(
        200,
        '{"Results":[{"KV":{"LockIndex":1,"Key":"service/leader","Flags":3304740253564472344,"Value":null,"Session":"s1","CreateIndex":9,"ModifyIndex":9}},{"KV":{"LockIndex":1,"Key":"service/leader","Flags":3304740253564472344,"Value":"bm9kZS1h","Session":"s1","CreateIndex":9,"ModifyIndex":9}}],"Errors":null}',
      )
    const outcome = await run(acquireKey(mock.client()), {
      key: KEY,
      session: 's1',
      value: 'node-a',
      expectedModifyIndex: null,
    })
    expect(outcome).toEqual({ acquired: true, lockIndex: 1n, modifyIndex: 9n })
    expect(parseJson(mock.last().body ?? '')).toEqual([
      { KV: { Verb: 'check-not-exists', Key: KEY } },
      { KV: { Verb: 'lock', Key: KEY, Value: 'bm9kZS1h', Flags: LOCK_FLAG_VALUE, Session: 's1' } },
      { KV: { Verb: 'get', Key: KEY } },
    ])
  })

  it('acquire diagnoses a 409 rollback with one non-blocking GET of the key', async () => {
    mock = mockConsul()
    mock.pool
      .intercept({ path: '/v1/txn', method: 'PUT' })
      .reply(
        409,
        '{"Results":null,"Errors":[{"OpIndex":1,"What":"failed to lock key: lock is already held"}]}',
      )
    mock.pool
      .intercept({ path: '/v1/kv/service/leader', method: 'GET' })
      .reply(
        200,
        '[{"LockIndex":2,"Key":"service/leader","Flags":3304740253564472344,"Value":null,"Session":"other","CreateIndex":3,"ModifyIndex":12}]',
        { headers: readHeaders(12) },
      )
    const outcome = await run(acquireKey(mock.client()), {
      key: KEY,
      session: 's1',
      value: null,
      expectedModifyIndex: 5n,
    })
    expect(outcome).toEqual({ acquired: false, holder: 'other', index: 12n })
    expect(mock.seen.map((request) => `${request.method} ${request.path}`)).toEqual([
      'PUT /v1/txn',
      'GET /v1/kv/service/leader',
    ])
  })

  it('release sends ?release=<session>&flags=<LockFlagValue>', async () => {
    mock = mockConsul()
    mock.pool
      .intercept({ path: (path) => path.startsWith('/v1/kv/service/leader?'), method: 'PUT' })
      .reply(200, 'true')
    await expect(run(releaseKey(mock.client()), { key: KEY, session: 's1', value: 'node-a' })).resolves.toBe(
      true,
    )
    const query = new URLSearchParams(mock.last().path.split('?')[1])
    expect(query.get('release')).toBe('s1')
    expect(query.get('flags')).toBe('3304740253564472344')
    expect(mock.last().body).toBe('node-a')
  })

  it('delete sends ?cas=<ModifyIndex>', async () => {
    mock = mockConsul()
    mock.pool.intercept({ path: '/v1/kv/service/leader?cas=77', method: 'DELETE' }).reply(200, 'false')
    await expect(run(deleteKey(mock.client()), { key: KEY, modifyIndex: 77n })).resolves.toBe(false)
  })

  it('renew answers null on a 404 and parses the TTL of a 200', async () => {
    mock = mockConsul()
    mock.pool.intercept({ path: '/v1/session/renew/gone', method: 'PUT' }).reply(404, 'Session id not found')
    mock.pool
      .intercept({ path: '/v1/session/renew/alive', method: 'PUT' })
      .reply(
        200,
        '[{"ID":"alive","Name":"Consul API Lock","Node":"n1","LockDelay":15000000000,"Behavior":"release","TTL":"20s","NodeChecks":null,"ServiceChecks":null,"CreateIndex":5,"ModifyIndex":5}]',
      )
    const client = mock.client()
    await expect(run(renewSession(client), { session: 'gone' })).resolves.toBeNull()
    const renewed = await run(renewSession(client), { session: 'alive' })
    expect(renewed?.ttlMs).toBe(20_000)
    expect(renewed?.elapsedMs).toBeGreaterThanOrEqual(0)
  })
})
