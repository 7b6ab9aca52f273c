/**
 * The one place that talks HTTP: builds request paths and headers, sizes undici's timeouts from
 * the blocking wait, wires cancellation, decodes responses and maps every failure to the
 * package's errors.
 *
 * - A status outside 2xx (and outside the caller's `accept` list) → {@link ConsulError}.
 * - No usable answer (connection refused or reset, timeout, malformed body) →
 *   {@link ConsulTransportError} with the original error as `cause`.
 * - The caller's `AbortSignal` fired → its `reason`, unwrapped.
 * - The client was closed → {@link ClientClosedError}.
 *
 * @internal
 */

import type { Dispatcher } from 'undici'
import { Pool } from 'undici'
import { ClientClosedError, ConsulError, ConsulTransportError } from '../errors.js'
import type { QueryParam } from './blocking.js'
import type { ResolvedConfig } from './config.js'

export type HttpMethod = 'GET' | 'PUT' | 'DELETE'

/** A response handed to a decoder. */
export interface TransportResponse {
  status: number
  headers: Readonly<Record<string, string | string[] | undefined>>
  body: Buffer
}

export interface RequestSpec<T> {
  method: HttpMethod
  /** The API path, already percent-encoded, e.g. `/v1/kv/a%20b`. */
  path: string
  params?: readonly QueryParam[]
  body?: Uint8Array | string
  contentType?: string
  signal?: AbortSignal | undefined
  /** How long the server may hold the request (blocking queries); 0 otherwise. */
  maxHoldMs?: number
  /** Non-2xx statuses that are answers, not errors (e.g. 404 for a missing key). */
  accept?: readonly number[]
  /** Turns the response into the call's result; may throw `MalformedResponseError`. */
  decode: (response: TransportResponse) => T
}

/** undici error codes that mean a programming error rather than a failed exchange. */
const PROGRAMMING_ERROR_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_INVALID_RETURN_VALUE',
  'UND_ERR_NOT_SUPPORTED',
])

function isProgrammingError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && PROGRAMMING_ERROR_CODES.has(code)
}

/**
 * The query string, in the order given. Consul reads its flags by presence, so a flag is sent
 * bare (`?recurse`, `?consistent`) where Go's `url.Values` writes `?recurse=`, and parameters
 * are not sorted by name as Go sorts them; the server sees the same request either way.
 */
function encodeQuery(params: readonly QueryParam[]): string {
  return params
    .map(([name, value]) =>
      value === undefined
        ? encodeURIComponent(name)
        : `${encodeURIComponent(name)}=${encodeURIComponent(value)}`,
    )
    .join('&')
}

/**
 * Response timeout for a request the server may hold `maxHoldMs`: the hold time (already
 * including Consul's `wait/16` jitter) plus the client's `timeout`.
 */
export function responseTimeoutMs(maxHoldMs: number, timeoutMs: number): number {
  return Math.ceil(maxHoldMs + timeoutMs)
}

/**
 * The requests in flight per caller signal. Each signal gets **one** `abort` listener however
 * many calls share it (a lock's long-lived shutdown signal may be shared by dozens of concurrent
 * blocking reads): one listener per call would trip Node's `MaxListenersExceededWarning` at 11
 * and cost a listener registration per call. The entry, and the listener, go away with the last
 * call.
 */
const linkedRequests = new WeakMap<AbortSignal, Set<AbortController>>()

function abortLinked(this: AbortSignal): void {
  const controllers = linkedRequests.get(this)
  linkedRequests.delete(this)
  for (const controller of controllers ?? []) controller.abort(this.reason)
}

/**
 * Aborts `controller` with `signal.reason` when `signal` fires. Returns the function that
 * unlinks it again; the signal's listener is removed once no call uses it.
 *
 * @internal
 */
export function linkToSignal(signal: AbortSignal, controller: AbortController): () => void {
  let controllers = linkedRequests.get(signal)
  if (!controllers) {
    controllers = new Set()
    linkedRequests.set(signal, controllers)
    signal.addEventListener('abort', abortLinked, { once: true })
  }
  controllers.add(controller)
  return () => {
    const current = linkedRequests.get(signal)
    if (!current?.delete(controller) || current.size > 0) return
    linkedRequests.delete(signal)
    signal.removeEventListener('abort', abortLinked)
  }
}

export class Transport {
  readonly #config: ResolvedConfig
  readonly #dispatcher: Dispatcher
  readonly #ownsDispatcher: boolean
  readonly #inFlight = new Set<AbortController>()
  #closed = false
  #closing: Promise<void> | undefined

  constructor(config: ResolvedConfig, dispatcher: Dispatcher | undefined) {
    this.#config = config
    if (dispatcher) {
      this.#dispatcher = dispatcher
      this.#ownsDispatcher = false
    } else {
      const connect: Record<string, unknown> = {}
      if (config.socketPath) connect.socketPath = config.socketPath
      if (config.tls) Object.assign(connect, config.tls)
      this.#dispatcher = new Pool(config.origin, {
        connect,
        // A blocking query occupies its connection for up to ~10 min, so the pool must never
        // cap connections (a short renew would queue behind held watches) nor pipeline
        // (a request behind a held one waits for it). These are undici's defaults; they are
        // spelled out because the lock machine depends on them.
        connections: null,
        pipelining: 1,
        headersTimeout: config.timeoutMs,
        bodyTimeout: config.timeoutMs,
      })
      this.#ownsDispatcher = true
    }
  }

  get closed(): boolean {
    return this.#closed
  }

  /** The request path with the query string, as sent and as errors report it (never a token). */
  pathFor(path: string, params: readonly QueryParam[] = []): string {
    const config = this.#config
    const all: QueryParam[] = []
    if (config.datacenter) all.push(['dc', config.datacenter])
    if (config.namespace) all.push(['ns', config.namespace])
    if (config.partition) all.push(['partition', config.partition])
    all.push(...params)
    const query = encodeQuery(all)
    return `${config.basePath}${path}${query ? `?${query}` : ''}`
  }

  async request<T>(spec: RequestSpec<T>): Promise<T> {
    const { method, signal } = spec
    const path = this.pathFor(spec.path, spec.params)
    if (this.#closed) throw new ClientClosedError()
    signal?.throwIfAborted()

    const controller = new AbortController()
    const unlink = signal ? linkToSignal(signal, controller) : undefined
    this.#inFlight.add(controller)

    const headers: Record<string, string> = {}
    const token = this.#config.token
    if (token) headers['X-Consul-Token'] = token
    if (spec.body !== undefined) headers['Content-Type'] = spec.contentType ?? 'application/json'
    const timeout = responseTimeoutMs(spec.maxHoldMs ?? 0, this.#config.timeoutMs)

    try {
      const response = await this.#dispatcher.request({
        origin: this.#config.origin,
        path,
        method,
        headers,
        body: spec.body ?? null,
        signal: controller.signal,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      })
      const body = Buffer.from(await response.body.arrayBuffer())
      const status = response.statusCode
      const ok = (status >= 200 && status < 300) || (spec.accept?.includes(status) ?? false)
      if (!ok) throw new ConsulError({ status, body: body.toString('utf8'), method, path })
      return spec.decode({ status, headers: response.headers, body })
    } catch (error) {
      if (controller.signal.aborted) throw controller.signal.reason
      if (error instanceof ConsulError || isProgrammingError(error)) throw error
      throw new ConsulTransportError({ method, path, cause: error })
    } finally {
      unlink?.()
      this.#inFlight.delete(controller)
    }
  }

  /**
   * Cancels requests in flight with {@link ClientClosedError} and closes the owned pool (a
   * dispatcher passed in by the caller stays open). Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing
    this.#closed = true
    const reason = new ClientClosedError()
    for (const controller of this.#inFlight) controller.abort(reason)
    this.#closing = this.#ownsDispatcher ? this.#dispatcher.close() : Promise.resolve()
    return this.#closing
  }
}
