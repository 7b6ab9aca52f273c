import type { Readable } from 'node:stream'
import { request } from 'undici'
import type { ConsulTarget } from './consul-target.js'

/** A response as raw as undici gives it: status, lower-case headers, exact body bytes. */
export interface RawResponse {
  status: number
  headers: Record<string, string>
  /** The body decoded as UTF-8. */
  text: string
  bytes: Buffer
  /** `JSON.parse(text)`. uint64 precision is lost: assert exact integers on `text` instead. */
  json<T = unknown>(): T
  /** `X-Consul-Index` as a number (NaN when absent). */
  index: number
}

export interface RawOptions {
  /** A `Readable` is sent chunked, without a Content-Length. */
  body?: string | Buffer | Readable
  headers?: Record<string, string>
  /** Overrides the target's token; `null` sends none. */
  token?: string | null
  signal?: AbortSignal
}

/**
 * Sends one HTTP request exactly as given (no redirects followed, no retries) to the target,
 * adding the target's token as `X-Consul-Token` unless told otherwise.
 */
export async function raw(
  target: Pick<ConsulTarget, 'address' | 'token'>,
  method: string,
  path: string,
  options: RawOptions = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { ...options.headers }
  const token = options.token === undefined ? target.token : options.token
  if (token !== undefined && token !== null) headers['x-consul-token'] = token
  const response = await request(`${target.address}${path}`, {
    method: method as 'GET',
    headers,
    body: options.body,
    signal: options.signal,
  })
  const bytes = Buffer.from(await response.body.arrayBuffer())
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value
  }
  const text = bytes.toString('utf8')
  return {
    status: response.statusCode,
    headers: flat,
    text,
    bytes,
    json: <T>() => JSON.parse(text) as T,
    index: Number(flat['x-consul-index']),
  }
}

/** Shape of one KV entry as the API returns it. */
export interface KvPairJson {
  LockIndex: number
  Key: string
  Flags: number
  Value: string | null
  Session?: string
  CreateIndex: number
  ModifyIndex: number
}

/** Creates a session and returns its id (throws on a non-200). */
export async function createSession(
  target: Pick<ConsulTarget, 'address' | 'token'>,
  body: object = {},
): Promise<string> {
  const res = await raw(target, 'PUT', '/v1/session/create', { body: JSON.stringify(body) })
  if (res.status !== 200) throw new Error(`session create: ${res.status} ${res.text}`)
  return res.json<{ ID: string }>().ID
}

/**
 * Sends a request line verbatim over a plain socket, for paths an HTTP client would normalise
 * (`/./`, `/../`). Returns the status and lower-case headers of the first response.
 */
export async function rawRequestLine(
  target: Pick<ConsulTarget, 'address' | 'token'>,
  method: string,
  path: string,
): Promise<{ status: number; headers: Record<string, string> }> {
  const { connect } = await import('node:net')
  const url = new URL(target.address)
  const token = target.token ? `X-Consul-Token: ${target.token}\r\n` : ''
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port || 80), url.hostname)
    let data = ''
    socket.setEncoding('latin1')
    socket.on('connect', () =>
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: ${url.host}\r\n${token}Connection: close\r\n\r\n`),
    )
    socket.on('data', (chunk: string) => {
      data += chunk
    })
    socket.on('error', reject)
    socket.on('close', () => {
      const [head = ''] = data.split('\r\n\r\n')
      const [statusLine = '', ...lines] = head.split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const at = line.indexOf(':')
        headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim()
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers })
    })
  })
}
