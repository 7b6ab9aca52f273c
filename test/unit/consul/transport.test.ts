import { getEventListeners } from 'node:events'
import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Consul } from '../../../src/consul/client.js'
import {
  ClientClosedError,
  ConsulError,
  ConsulTransportError,
  InvalidOptionError,
  isRetryable,
} from '../../../src/errors.js'
import { MOCK_ORIGIN, mockConsul, readHeaders } from '../../support/mock-consul.js'

const TOKEN = 'b4c0ffee-0000-4000-8000-5ec2e7a0c0de'

let mock: ReturnType<typeof mockConsul>
beforeEach(() => {
  mock = mockConsul()
})
afterEach(() => mock.done())

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe('the ACL token', () => {
  it('travels only in the X-Consul-Token header', async () => {
    mock.pool.intercept({ path: /^\/v1\/kv\/k/, method: 'GET' }).reply(404, '')
    await mock.client({ token: TOKEN }).kv.get('k', { index: 1n })
    expect(mock.last().headers['x-consul-token']).toBe(TOKEN)
    expect(mock.last().path).not.toContain(TOKEN)
  })

  it('is read from CONSUL_HTTP_TOKEN when no option is given', async () => {
    mock.pool.intercept({ path: '/v1/kv/k', method: 'GET' }).reply(404, '')
    await mock.client({ env: { CONSUL_HTTP_TOKEN: TOKEN } }).kv.get('k')
    expect(mock.last().headers['x-consul-token']).toBe(TOKEN)
  })

  it('is not sent when there is none', async () => {
    mock.pool.intercept({ path: '/v1/kv/k', method: 'GET' }).reply(404, '')
    await mock.client().kv.get('k')
    expect(mock.last().headers).not.toHaveProperty('x-consul-token')
  })

  it('never shows in util.inspect, toString or JSON of the client', () => {
    const consul = mock.client({ token: TOKEN })
    expect(inspect(consul, { depth: 10, showHidden: true })).not.toContain(TOKEN)
    expect(inspect(consul.kv, { depth: 10, showHidden: true })).not.toContain(TOKEN)
    expect(inspect(consul.session, { depth: 10, showHidden: true })).not.toContain(TOKEN)
    expect(String(consul)).toBe(`Consul(${MOCK_ORIGIN})`)
    expect(JSON.stringify(consul)).not.toContain(TOKEN)
    expect(inspect(consul)).toBe(`Consul { address: '${MOCK_ORIGIN}' }`)
  })
})

describe('ConsulError', () => {
  it('carries status, body, method and the path with its query string, never the token', async () => {
    mock.pool
      .intercept({ path: /^\/v1\/kv\/secret/, method: 'GET' })
      .reply(403, "Permission denied: token with AccessorID 'x' lacks permission 'key:read' on \"secret\"")
    const error = await rejection(
      mock.client({ token: TOKEN, datacenter: 'dc1' }).kv.get('secret', { consistent: true }),
    )

    expect(error).toBeInstanceOf(ConsulError)
    const consulError = error as ConsulError
    expect(consulError).toMatchObject({
      code: 'ECONSUL',
      status: 403,
      method: 'GET',
      path: '/v1/kv/secret?dc=dc1&consistent',
      retryable: false,
    })
    expect(consulError.body).toContain('Permission denied')
    expect(consulError.message).toContain(
      'GET /v1/kv/secret?dc=dc1&consistent: Unexpected response code: 403',
    )
    for (const text of [
      consulError.message,
      consulError.stack ?? '',
      JSON.stringify(consulError),
      inspect(consulError),
    ]) {
      expect(text).not.toContain(TOKEN)
    }
    expect(isRetryable(consulError)).toBe(false)
  })

  it.each([500, 503, 429])('is retryable for %d', async (status) => {
    mock.pool.intercept({ path: '/v1/kv/k', method: 'PUT' }).reply(status, 'No cluster leader')
    const error = await rejection(mock.client().kv.put('k', 'v'))
    expect(error).toBeInstanceOf(ConsulError)
    expect(isRetryable(error)).toBe(true)
  })
})

describe('transport errors', () => {
  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8500'],
    ['ECONNRESET', 'read ECONNRESET'],
    ['UND_ERR_SOCKET', 'other side closed'],
    ['UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'],
  ])('wraps %s in a retryable ConsulTransportError with the cause', async (code, message) => {
    const cause = Object.assign(new Error(message), { code })
    mock.pool.intercept({ path: '/v1/kv/k', method: 'GET' }).replyWithError(cause)
    const error = await rejection(mock.client({ token: TOKEN }).kv.get('k'))

    expect(error).toBeInstanceOf(ConsulTransportError)
    expect(error).toMatchObject({
      code: 'ECONSULTRANSPORT',
      method: 'GET',
      path: '/v1/kv/k',
      retryable: true,
    })
    expect((error as Error).cause).toBe(cause)
    expect((error as Error).message).toContain(message)
    expect(isRetryable(error)).toBe(true)
  })

  it('reports a malformed 200 body as a transport error', async () => {
    mock.pool.intercept({ path: '/v1/kv/k', method: 'GET' }).reply(200, '[{"Key": "k", "Flags": ', {
      headers: readHeaders(2),
    })
    const error = await rejection(mock.client().kv.get('k'))
    expect(error).toBeInstanceOf(ConsulTransportError)
    expect((error as Error).message).toContain('malformed response body')
  })

  it('reports a body of the wrong shape as a transport error', async () => {
    mock.pool.intercept({ path: '/v1/kv/k', method: 'PUT' }).reply(200, 'maybe')
    expect(await rejection(mock.client().kv.put('k', 'v'))).toBeInstanceOf(ConsulTransportError)
  })
})

describe('cancellation', () => {
  it('rejects with signal.reason before sending anything when already aborted', async () => {
    const reason = new Error('not any more')
    const error = await rejection(mock.client().kv.get('k', { signal: AbortSignal.abort(reason) }))
    expect(error).toBe(reason)
    expect(mock.seen).toHaveLength(0)
  })

  it.each<[string, (consul: Consul, signal: AbortSignal) => Promise<unknown>]>([
    ['kv.get', (consul, signal) => consul.kv.get('k', { signal })],
    ['kv.list', (consul, signal) => consul.kv.list('p/', { signal })],
    ['kv.keys', (consul, signal) => consul.kv.keys('p/', { signal })],
    ['kv.put', (consul, signal) => consul.kv.put('k', 'v', { signal })],
    ['kv.acquire', (consul, signal) => consul.kv.acquire('k', 's', 'v', { signal })],
    ['kv.release', (consul, signal) => consul.kv.release('k', 's', 'v', { signal })],
    ['kv.delete', (consul, signal) => consul.kv.delete('k', { signal })],
    ['session.create', (consul, signal) => consul.session.create({}, { signal })],
    ['session.renew', (consul, signal) => consul.session.renew('s', { signal })],
    ['session.destroy', (consul, signal) => consul.session.destroy('s', { signal })],
    ['session.info', (consul, signal) => consul.session.info('s', { signal })],
    ['session.list', (consul, signal) => consul.session.list({ signal })],
    ['session.node', (consul, signal) => consul.session.node('n', { signal })],
    ['txn', (consul, signal) => consul.txn([{ verb: 'get', key: 'k' }], { signal })],
  ])(
    '%s honours its signal: aborted before → nothing sent; aborted during → signal.reason',
    async (_, call) => {
      const consul = mock.client()
      const early = new Error('aborted before')
      expect(await rejection(call(consul, AbortSignal.abort(early)))).toBe(early)
      expect(mock.seen).toHaveLength(0)

      mock.pool
        .intercept({ path: /^\/v1\//, method: /.*/ })
        .reply(200, '[]')
        .delay(60_000)
      const controller = new AbortController()
      const pending = rejection(call(consul, controller.signal))
      await new Promise((resolve) => setImmediate(resolve))
      expect(mock.seen).toHaveLength(1)
      const late = new Error('aborted during')
      controller.abort(late)
      expect(await pending).toBe(late)
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
    },
  )

  it('aborts an in-flight request at once and rejects with signal.reason, unwrapped', async () => {
    mock.pool
      .intercept({ path: /^\/v1\/kv\/k/, method: 'GET' })
      .reply(200, '[]')
      .delay(60_000)
    const controller = new AbortController()
    const reason = new Error('shutting down')
    const pending = mock.client().kv.get('k', { index: 5n, wait: '5m', signal: controller.signal })
    await new Promise((resolve) => setImmediate(resolve))
    expect(mock.seen).toHaveLength(1)
    const started = performance.now()
    controller.abort(reason)
    expect(await rejection(pending)).toBe(reason)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('rejects with the default AbortError when aborted without a reason', async () => {
    mock.pool.intercept({ path: '/v1/session/create', method: 'PUT' }).reply(200, '{"ID":"x"}').delay(60_000)
    const controller = new AbortController()
    const pending = mock.client().session.create({}, { signal: controller.signal })
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    const error = await rejection(pending)
    expect(error).toBe(controller.signal.reason)
    expect((error as Error).name).toBe('AbortError')
  })

  it('keeps one abort listener on a signal shared by concurrent calls, and none once they settle', async () => {
    mock.pool.intercept({ path: '/v1/kv/k', method: 'GET' }).reply(404, '').persist()
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const consul = mock.client()
      const shared = new AbortController() // e.g. a lock's lifetime signal
      let most = 0
      for (let batch = 0; batch < 50; batch++) {
        const calls = Array.from({ length: 200 }, () => consul.kv.get('k', { signal: shared.signal }))
        most = Math.max(most, getEventListeners(shared.signal, 'abort').length)
        await Promise.all(calls)
      }
      expect(mock.seen).toHaveLength(10_000)
      expect(most).toBe(1)
      expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0)
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })

  it('aborts every call sharing a signal with its reason, and later calls on it reject at once', async () => {
    mock.pool
      .intercept({ path: /^\/v1\/kv\/k/, method: 'GET' })
      .reply(200, '[]')
      .delay(60_000)
      .times(20)
    const consul = mock.client()
    const shared = new AbortController()
    const calls = Array.from({ length: 20 }, (_, i) =>
      rejection(consul.kv.get('k', { index: BigInt(i + 1), wait: '5m', signal: shared.signal })),
    )
    await new Promise((resolve) => setImmediate(resolve))
    const reason = new Error('lock destroyed')
    shared.abort(reason)
    for (const outcome of await Promise.all(calls)) expect(outcome).toBe(reason)
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0)
    expect(await rejection(consul.kv.get('k', { signal: shared.signal }))).toBe(reason)
  })

  it('removes its abort listener once the call settles', async () => {
    mock.pool.intercept({ path: '/v1/kv/k', method: 'GET' }).reply(404, '')
    const controller = new AbortController()
    const pending = mock.client().kv.get('k', { signal: controller.signal })
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1)
    await pending
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })
})

describe('timeouts', () => {
  beforeEach(() => {
    mock.pool
      .intercept({ path: /^\/v1\//, method: 'GET' })
      .reply(200, '[]')
      .persist()
  })

  it('gives non-blocking calls the client timeout (default 30 s) for headers and body', async () => {
    await mock.client().kv.get('k')
    expect(mock.last()).toMatchObject({ headersTimeout: 30_000, bodyTimeout: 30_000 })
    await mock.client({ timeout: '5s' }).kv.get('k', { wait: '10m' })
    expect(mock.last()).toMatchObject({ headersTimeout: 5_000, bodyTimeout: 5_000 })
  })

  it('sizes blocking reads above wait + wait/16', async () => {
    const consul = mock.client({ timeout: '10s' })
    await consul.kv.get('k', { index: 9n, wait: '16s' })
    expect(mock.last()).toMatchObject({ headersTimeout: 16_000 + 1_000 + 10_000, bodyTimeout: 27_000 })
    await consul.kv.list('p', { index: 9n, wait: 1000 })
    expect(mock.last().headersTimeout).toBe(1000 + 63 + 10_000)
  })

  it("sizes a blocking read without wait for Consul's 5 min default, and caps wait at 10 min", async () => {
    const consul = mock.client()
    await consul.session.list({ index: 1n })
    expect(mock.last().headersTimeout).toBe(300_000 + 18_750 + 30_000)
    await consul.kv.keys('p', { index: 1n, wait: '1h' })
    expect(mock.last().headersTimeout).toBe(600_000 + 37_500 + 30_000)
  })
})

describe('close', () => {
  it('cancels in-flight calls and rejects later calls with ClientClosedError, leaving a given dispatcher open', async () => {
    mock.pool
      .intercept({ path: /^\/v1\/kv\/k/, method: 'GET' })
      .reply(200, '[]')
      .delay(60_000)
    mock.pool.intercept({ path: '/v1/kv/other', method: 'GET' }).reply(404, '')
    const consul = mock.client()
    const outcome = rejection(consul.kv.get('k', { index: 5n }))
    await new Promise((resolve) => setImmediate(resolve))

    await consul.close()
    expect(await outcome).toBeInstanceOf(ClientClosedError)
    const later = await rejection(consul.kv.get('k'))
    expect(later).toBeInstanceOf(ClientClosedError)
    expect(later).toMatchObject({ code: 'ECLIENTCLOSED' })
    expect(isRetryable(later)).toBe(false)
    expect(consul.closed).toBe(true)
    expect(inspect(consul)).toContain('closed')
    await consul.close() // idempotent

    // The MockAgent passed in is still usable by another client.
    expect((await mock.client().kv.get('other')).value).toBeNull()
  })
})

describe('public surface', () => {
  it('exports the client with locks and the same error classes from the package root', async () => {
    const root = await import('../../../src/index.js')
    expect(root.Consul.prototype).toBeInstanceOf(Consul)
    expect(typeof root.Consul.prototype.lock).toBe('function')
    expect(root.InvalidOptionError).toBe(InvalidOptionError)
  })
})
