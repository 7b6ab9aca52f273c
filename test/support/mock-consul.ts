import { type Dispatcher, MockAgent } from 'undici'
import { Consul } from '../../src/consul/client.js'
import type { ConsulOptions } from '../../src/consul/config.js'

/** The origin every mocked client talks to. */
export const MOCK_ORIGIN = 'http://127.0.0.1:8500'

/** A request as the client handed it to the dispatcher. */
export interface SeenRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: string | undefined
  headersTimeout: number | null | undefined
  bodyTimeout: number | null | undefined
}

function headerRecord(headers: Dispatcher.DispatchOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {}
  if (!headers) return out
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2)
      out[String(headers[i]).toLowerCase()] = String(headers[i + 1])
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[string, string]>) out[name.toLowerCase()] = String(value)
  } else {
    for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = String(value)
  }
  return out
}

function bodyText(body: Dispatcher.DispatchOptions['body']): string | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return body
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8')
  return '<stream>'
}

/**
 * A `MockAgent` with net connect disabled, recording every request the client dispatches (path
 * with its query string exactly as sent, headers, body, timeouts), and a factory for clients
 * that use it and ignore the process environment.
 */
export function mockConsul() {
  const agent = new MockAgent()
  agent.disableNetConnect()
  const pool = agent.get(MOCK_ORIGIN)
  const seen: SeenRequest[] = []
  const dispatch = agent.dispatch.bind(agent)
  agent.dispatch = (options, handler) => {
    seen.push({
      method: options.method,
      path: options.path,
      headers: headerRecord(options.headers),
      body: bodyText(options.body),
      headersTimeout: options.headersTimeout,
      bodyTimeout: options.bodyTimeout,
    })
    return dispatch(options, handler)
  }
  const clients: Consul[] = []
  const client = (options: ConsulOptions = {}): Consul => {
    const consul = new Consul({ env: {}, address: MOCK_ORIGIN, dispatcher: agent, ...options })
    clients.push(consul)
    return consul
  }
  /** The last request dispatched. */
  const last = (): SeenRequest => {
    const request = seen.at(-1)
    if (!request) throw new Error('no request was dispatched')
    return request
  }
  /** Asserts every interceptor was used, then closes clients and the agent. */
  const done = async (): Promise<void> => {
    try {
      agent.assertNoPendingInterceptors()
    } finally {
      await Promise.all(clients.map((consul) => consul.close()))
      await agent.close()
    }
  }
  return { agent, pool, seen, last, client, done }
}

/** Headers a Consul server sends with a read. */
export function readHeaders(index: string | number | bigint, extra: Record<string, string> = {}) {
  return {
    'Content-Type': 'application/json',
    'X-Consul-Index': String(index),
    'X-Consul-Knownleader': 'true',
    'X-Consul-Lastcontact': '0',
    ...extra,
  }
}
