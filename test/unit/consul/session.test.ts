import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConsulError, InvalidOptionError } from '../../../src/errors.js'
import { mockConsul, readHeaders } from '../../support/mock-consul.js'

let mock: ReturnType<typeof mockConsul>
beforeEach(() => {
  mock = mockConsul()
})
afterEach(() => mock.done())

const SESSION_JSON = `{"ID":"adf4238a-882b-9ddc-4a9d-5b6758e4159e","Name":"worker","Node":"node-1","LockDelay":15000000000,"Behavior":"release","TTL":"15s","NodeChecks":["serfHealth"],"ServiceChecks":[{"ID":"svc-check","Namespace":""}],"CreateIndex":18446744073709551615,"ModifyIndex":42}`

const SESSION = {
  id: 'adf4238a-882b-9ddc-4a9d-5b6758e4159e',
  name: 'worker',
  node: 'node-1',
  lockDelay: 15_000,
  behavior: 'release',
  ttl: '15s',
  nodeChecks: ['serfHealth'],
  serviceChecks: [{ id: 'svc-check' }],
  createIndex: 18446744073709551615n,
  modifyIndex: 42n,
}

describe('session.create', () => {
  it('sends the options as Go does: TTL a Go duration, LockDelay "<n>ms", checks verbatim', async () => {
    mock.pool.intercept({ path: '/v1/session/create', method: 'PUT' }).reply(200, '{"ID":"new-id"}')
    const id = await mock.client().session.create({
      name: 'worker',
      node: 'node-1',
      ttl: 15_000,
      lockDelay: '1.5s',
      behavior: 'delete',
      nodeChecks: [],
      serviceChecks: [{ id: 'svc-check', namespace: 'ns' }],
      checks: ['legacy'],
    })
    expect(id).toBe('new-id')
    expect(JSON.parse(mock.last().body ?? '')).toEqual({
      Name: 'worker',
      Node: 'node-1',
      LockDelay: '1500ms',
      Behavior: 'delete',
      TTL: '15s',
      NodeChecks: [],
      ServiceChecks: [{ ID: 'svc-check', Namespace: 'ns' }],
      Checks: ['legacy'],
    })
    expect(mock.last().headers['content-type']).toBe('application/json')
  })

  it('sends an empty object for defaults, a TTL string verbatim, and a lock-delay of 0 as "0ms"', async () => {
    mock.pool.intercept({ path: '/v1/session/create', method: 'PUT' }).reply(200, '{"ID":"a"}').times(2)
    const consul = mock.client()
    await consul.session.create()
    expect(mock.last().body).toBe('{}')
    await consul.session.create({ ttl: '0010s', lockDelay: 0 })
    expect(JSON.parse(mock.last().body ?? '')).toEqual({ TTL: '0010s', LockDelay: '0ms' })
  })

  it.each([
    [{ ttl: '10z' }, 'ttl'],
    [{ ttl: -1 }, 'ttl'],
    [{ lockDelay: '-1s' }, 'lockDelay'],
    [{ behavior: 'keep' }, 'behavior'],
    [{ nodeChecks: 'serfHealth' }, 'nodeChecks'],
    [{ serviceChecks: [{}] }, 'serviceChecks[0].id'],
  ])('refuses %o before any request', async (options, option) => {
    const error = await mock
      .client()
      .session.create(options as never)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect((error as InvalidOptionError).option).toBe(option)
    expect(mock.seen).toHaveLength(0)
  })

  it('rejects with a ConsulError carrying the server text on a 500', async () => {
    mock.pool
      .intercept({ path: '/v1/session/create', method: 'PUT' })
      .reply(500, "Invalid Session TTL '5000000000', must be between [10s=24h0m0s]")
    const error = await mock
      .client()
      .session.create({ ttl: '5s' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConsulError)
    expect(error).toMatchObject({ status: 500, method: 'PUT', path: '/v1/session/create', retryable: true })
    expect((error as ConsulError).body).toContain('Invalid Session TTL')
  })
})

describe('session reads and renew', () => {
  it('renews: the session on 200, null on 404 (Go: ErrSessionExpired)', async () => {
    mock.pool.intercept({ path: '/v1/session/renew/abc', method: 'PUT' }).reply(200, `[${SESSION_JSON}]`)
    mock.pool
      .intercept({ path: '/v1/session/renew/gone', method: 'PUT' })
      .reply(404, "Session id 'gone' not found")
    const consul = mock.client()
    expect(await consul.session.renew('abc')).toEqual(SESSION)
    expect(await consul.session.renew('gone')).toBeNull()
  })

  it('destroys, resolving nothing', async () => {
    mock.pool.intercept({ path: '/v1/session/destroy/abc', method: 'PUT' }).reply(200, 'true')
    await expect(mock.client().session.destroy('abc')).resolves.toBeUndefined()
  })

  it('reads info (null when unknown), list and node with meta and blocking options', async () => {
    mock.pool
      .intercept({ path: '/v1/session/info/abc?index=3&wait=1000ms', method: 'GET' })
      .reply(200, `[${SESSION_JSON}]`, { headers: readHeaders(50) })
    mock.pool
      .intercept({ path: '/v1/session/info/unknown', method: 'GET' })
      .reply(200, '[]', { headers: readHeaders(51) })
    mock.pool
      .intercept({ path: '/v1/session/list?stale', method: 'GET' })
      .reply(200, `[${SESSION_JSON}]`, { headers: readHeaders(52) })
    mock.pool
      .intercept({ path: '/v1/session/node/node%201', method: 'GET' })
      .reply(200, 'null', { headers: readHeaders(53) })

    const consul = mock.client()
    expect(await consul.session.info('abc', { index: 3n, wait: '1s' })).toEqual({
      value: SESSION,
      meta: { lastIndex: 50n, knownLeader: true, lastContact: 0 },
    })
    expect((await consul.session.info('unknown')).value).toBeNull()
    expect((await consul.session.list({ stale: true })).value).toEqual([SESSION])
    const node = await consul.session.node('node 1')
    expect(node.value).toEqual([])
    expect(node.meta.lastIndex).toBe(53n)
  })

  it('decodes a session without optional fields', async () => {
    mock.pool
      .intercept({ path: '/v1/session/info/x', method: 'GET' })
      .reply(
        200,
        '[{"ID":"x","LockDelay":0,"NodeChecks":null,"ServiceChecks":null,"CreateIndex":1,"ModifyIndex":1}]',
      )
    expect((await mock.client().session.info('x')).value).toEqual({
      id: 'x',
      name: '',
      node: '',
      lockDelay: 0,
      behavior: '',
      ttl: '',
      nodeChecks: [],
      serviceChecks: [],
      createIndex: 1n,
      modifyIndex: 1n,
    })
  })

  it('refuses an empty id before any request', async () => {
    const consul = mock.client()
    await expect(consul.session.renew('')).rejects.toThrow(InvalidOptionError)
    await expect(consul.session.info('')).rejects.toThrow(InvalidOptionError)
    await expect(consul.session.node('')).rejects.toThrow(InvalidOptionError)
    expect(mock.seen).toHaveLength(0)
  })
})
