/**
 * Blocking queries and read consistency: read options → query parameters, how long the server
 * may hold the request, the `X-Consul-*` response metadata, and the index bookkeeping of watch
 * loops.
 */
import { InvalidOptionError } from '../errors.js'
import { formatMillisecondsForConsul, toMilliseconds } from './duration.js'
import type { QueryMeta, ReadOptions } from './types.js'
import { toUint64 } from './uint64.js'

/** Consul's `default_query_time`: the hold time of a blocking query sent without `wait`. */
export const DEFAULT_QUERY_TIME_MS = 300_000
/** Consul's `max_query_time`: longer `wait`s are cut to this. */
export const MAX_QUERY_TIME_MS = 600_000

/** A query parameter; without a value it is sent bare (`?recurse`). @internal */
export type QueryParam = readonly [name: string, value?: string]

/** @internal */
export interface ReadRequestParts {
  params: QueryParam[]
  /** The longest time the server may hold this request before answering (0: not blocking). */
  maxHoldMs: number
}

/**
 * Validates read options and turns them into query parameters. Throws
 * {@link InvalidOptionError} before anything is sent.
 *
 * @internal
 */
export function readRequestParts(options: ReadOptions = {}): ReadRequestParts {
  const params: QueryParam[] = []
  if (options.consistent && options.stale) {
    throw new InvalidOptionError('consistent', 'cannot be combined with stale (conflicting semantics)')
  }
  if (options.stale) params.push(['stale'])
  if (options.consistent) params.push(['consistent'])
  const index = options.index === undefined ? 0n : toUint64(options.index, 'index')
  const waitMs = options.wait === undefined ? undefined : toMilliseconds(options.wait, 'wait')
  if (index > 0n) params.push(['index', index.toString()])
  if (waitMs !== undefined && waitMs > 0) params.push(['wait', formatMillisecondsForConsul(waitMs)])
  return { params, maxHoldMs: index > 0n ? serverHoldMs(waitMs) : 0 }
}

/**
 * The longest a server holds a blocking query, jitter included: `wait` (default 5 min, capped
 * at 10 min; `0` means the default) plus up to `wait/16`.
 *
 * @internal
 */
export function serverHoldMs(waitMs: number | undefined): number {
  const wait =
    waitMs === undefined || waitMs <= 0
      ? DEFAULT_QUERY_TIME_MS
      : Math.min(Math.max(Math.floor(waitMs), 1), MAX_QUERY_TIME_MS)
  return wait + Math.ceil(wait / 16)
}

type Headers = Readonly<Record<string, string | string[] | undefined>>

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * Reads `X-Consul-Index`, `X-Consul-KnownLeader` and `X-Consul-LastContact` (header names are
 * lower-case, as undici gives them). A missing, malformed or zero index reads as `1n`, which is
 * always below any real index (Consul's guidance).
 *
 * @internal
 */
export function parseQueryMeta(headers: Headers): QueryMeta {
  const indexText = header(headers, 'x-consul-index')?.trim()
  let lastIndex = 1n
  if (indexText && /^\d+$/.test(indexText)) {
    const parsed = BigInt(indexText)
    if (parsed >= 1n) lastIndex = parsed
  }
  const lastContactText = header(headers, 'x-consul-lastcontact')?.trim()
  const lastContact = lastContactText && /^\d+$/.test(lastContactText) ? Number(lastContactText) : 0
  return {
    lastIndex,
    knownLeader: header(headers, 'x-consul-knownleader')?.trim().toLowerCase() === 'true',
    lastContact,
  }
}

/**
 * The `index` to send with the next read of a watch loop, given the `index` just used and the
 * `meta.lastIndex` returned. Implements Consul's guidance for blocking queries:
 *
 * - the index went **backwards** (tombstones reaped, snapshot restored, another server with a
 *   different view) → reset to `0n`: the next read answers at once with the current state and
 *   a fresh index instead of blocking on a number the server may not reach for a long time;
 * - an index below 1 (a server bug on old versions) → `1n`, so the loop never spins;
 * - otherwise the returned index.
 *
 * @example
 * ```ts
 * let index = 0n
 * while (!signal.aborted) {
 *   const { value, meta } = await consul.kv.get('config/app', { index, wait: '5m', signal })
 *   if (meta.lastIndex !== index) onChange(value)
 *   index = nextWaitIndex(index, meta.lastIndex)
 * }
 * ```
 */
export function nextWaitIndex(previous: bigint, returned: bigint): bigint {
  if (returned < previous) return 0n
  return returned < 1n ? 1n : returned
}
