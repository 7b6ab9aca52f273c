/**
 * Go's `url.ParseQuery` / `url.Values.Encode`, and Consul's `parse()` step that every read
 * (and the KV endpoint for all methods) runs first. The checks and their 400 texts come in
 * Consul's order.
 */

import { GoDurationError, parseGoDuration } from '../go/duration.js'
import { goQuote } from '../go/quote.js'
import { GoStrconvError, parseGoInt, parseUint64 } from '../go/strconv.js'
import { HttpError } from './reply.js'

export type GoQuery = ReadonlyMap<string, readonly string[]>

function queryUnescape(text: string): string | undefined {
  const bytes: number[] = []
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    if (char === '+') bytes.push(0x20)
    else if (char === '%') {
      const hex = text.slice(i + 1, i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else bytes.push(...Buffer.from(char, 'utf8'))
  }
  return Buffer.from(bytes).toString('utf8')
}

/**
 * True when Go's `url.ParseQuery` would fail: a pair containing `;` or a bad `%` escape.
 * Consul's `wrap` parses the query before anything else and answers such a request with an
 * empty 500 (agent/http.go, "Failed to decode query").
 */
export function isMalformedGoQuery(raw: string): boolean {
  for (const part of raw.split('&')) {
    if (part === '') continue
    if (part.includes(';')) return true
    const eq = part.indexOf('=')
    const key = eq === -1 ? part : part.slice(0, eq)
    const value = eq === -1 ? '' : part.slice(eq + 1)
    if (queryUnescape(key) === undefined || queryUnescape(value) === undefined) return true
  }
  return false
}

/** `url.ParseQuery` minus the error: malformed pairs (and any with `;`) are dropped, as `URL.Query()` does. */
export function parseGoQuery(raw: string): GoQuery {
  const values = new Map<string, string[]>()
  for (const part of raw.split('&')) {
    if (part === '' || part.includes(';')) continue
    const eq = part.indexOf('=')
    const key = queryUnescape(eq === -1 ? part : part.slice(0, eq))
    const value = queryUnescape(eq === -1 ? '' : part.slice(eq + 1))
    if (key === undefined || value === undefined) continue
    const list = values.get(key) ?? []
    list.push(value)
    values.set(key, list)
  }
  return values
}

/** `Values.Get`: the first value, or `''`. */
export function queryGet(query: GoQuery, name: string): string {
  return query.get(name)?.[0] ?? ''
}

function queryEscape(text: string): string {
  let out = ''
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte)
    if (/[A-Za-z0-9\-_.~]/.test(char)) out += char
    else if (byte === 0x20) out += '+'
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** `url.Values.Encode`: sorted by key. Token values are hidden: the dev server never echoes a token. */
export function encodeGoQuery(query: GoQuery): string {
  const parts: string[] = []
  for (const key of [...query.keys()].sort()) {
    for (const value of query.get(key) ?? []) {
      parts.push(`${queryEscape(key)}=${key === 'token' ? '<hidden>' : queryEscape(value)}`)
    }
  }
  return parts.join('&')
}

/** The request token: `?token=` > `X-Consul-Token` > `Authorization: Bearer <t>`; `''` means anonymous. */
export function parseToken(query: GoQuery, header: (name: string) => string): string {
  const fromQuery = queryGet(query, 'token')
  if (fromQuery !== '') return fromQuery
  const fromHeader = header('x-consul-token')
  if (fromHeader !== '') return fromHeader
  const authorization = header('authorization')
  const parts = authorization.split(' ')
  if (parts.length > 1 && (parts[0] as string).toLowerCase() === 'bearer') {
    const value = parts.slice(1).join(' ').trim()
    return (value.split(' ')[0] as string).trim()
  }
  return ''
}

export interface QueryOptions {
  readonly datacenter: string
  readonly token: string
  readonly allowStale: boolean
  readonly requireConsistent: boolean
  /** Requested `wait` in ns (0 = server default). */
  readonly waitNs: bigint
  /** `index`; 0 = not blocking. */
  readonly minIndex: bigint
}

/** `parseDC` + `parseToken` only: what session create/destroy and write txns read. */
export function parseDcAndToken(
  query: GoQuery,
  header: (name: string) => string,
  ourDatacenter: string,
): Pick<QueryOptions, 'datacenter' | 'token'> {
  const dc = queryGet(query, 'dc')
  return { datacenter: dc === '' ? ourDatacenter : dc, token: parseToken(query, header) }
}

/** Consul's `parse()`: dc, token, filter, consistency, Cache-Control, wait, index. Throws 400s. */
export function parseQueryOptions(
  query: GoQuery,
  header: (name: string) => string,
  ourDatacenter: string,
): QueryOptions {
  const { datacenter, token } = parseDcAndToken(query, header, ourDatacenter)
  let allowStale = query.has('stale')
  const requireConsistent = query.has('consistent')
  const useCache = query.has('cached')
  const maxStale = queryGet(query, 'max_stale')
  if (maxStale !== '') {
    let ns: bigint
    try {
      ns = parseGoDuration(maxStale)
    } catch {
      throw new HttpError(400, `Invalid max_stale value ${goQuote(maxStale)}`)
    }
    if (ns > 0n) allowStale = true
  }
  if (allowStale && requireConsistent) {
    throw new HttpError(400, 'Cannot specify ?stale with ?consistent, conflicting semantics.')
  }
  if (useCache && requireConsistent) {
    throw new HttpError(400, 'Cannot specify ?cached with ?consistent, conflicting semantics.')
  }
  parseCacheControl(header('cache-control'))
  let waitNs = 0n
  const wait = queryGet(query, 'wait')
  if (wait !== '') {
    try {
      waitNs = parseGoDuration(wait)
    } catch (error) {
      if (error instanceof GoDurationError) throw new HttpError(400, 'Invalid wait time')
      throw error
    }
  }
  let minIndex = 0n
  const index = queryGet(query, 'index')
  if (index !== '') {
    try {
      minIndex = parseUint64(index)
    } catch (error) {
      if (error instanceof GoStrconvError) throw new HttpError(400, 'Invalid index')
      throw error
    }
  }
  return { datacenter, token, allowStale, requireConsistent, waitNs, minIndex }
}

/** Only the validation matters here: KV and session reads do not use the agent cache. */
function parseCacheControl(raw: string): void {
  if (raw === '') return
  for (const part of raw.toLowerCase().split(',')) {
    const directive = part.trim()
    const value = directive.startsWith('max-age=')
      ? directive.slice(8)
      : directive.startsWith('stale-if-error=')
        ? directive.slice(15)
        : undefined
    if (value !== undefined && parseGoInt(value) === undefined) {
      throw new HttpError(400, 'Invalid Cache-Control header.')
    }
  }
}

/** CE rejects namespaces and partitions (headers are checked before query parameters). */
export function rejectEnterpriseMeta(query: GoQuery, header: (name: string) => string): void {
  if (header('x-consul-namespace') !== '') {
    throw new HttpError(
      400,
      'Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature',
    )
  }
  if (queryGet(query, 'ns') !== '') {
    throw new HttpError(400, 'Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature')
  }
  if (header('x-consul-partition') !== '') {
    throw new HttpError(
      400,
      'Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature',
    )
  }
  if (queryGet(query, 'partition') !== '') {
    throw new HttpError(
      400,
      'Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature',
    )
  }
}
