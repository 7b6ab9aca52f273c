import { type GoJsonValue, goMarshalPretty } from '../go/json-encode.js'

/** What a handler answers. Bodies are final bytes; headers use Go's canonical spelling. */
export interface Reply {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: string | Buffer
}

/**
 * Thrown anywhere in a handler to answer with a plain-text body, the way Consul's `wrap`
 * writes `HTTPError`s and RPC errors (`fmt.Fprint`, Go sniffs `text/plain`).
 */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(body)
  }
}

export const TEXT = 'text/plain; charset=utf-8'

/** A dev-mode agent always pretty-prints (`MarshalIndent` + `\n`). */
export function jsonReply(value: GoJsonValue, status = 200, headers: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: goMarshalPretty(value),
  }
}

export function textReply(status: number, body: string, headers: Record<string, string> = {}): Reply {
  return { status, headers: body === '' ? headers : { 'Content-Type': TEXT, ...headers }, body }
}

/** Query metadata headers (`setMeta`). Index 0 is never sent: Consul replaces it with 1. */
export interface QueryMeta {
  readonly index: number
  readonly knownLeader?: boolean
  readonly filteredByAcls?: boolean
}

export function metaHeaders(meta: QueryMeta): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Consul-Index': String(Math.max(1, meta.index)),
    'X-Consul-Knownleader': String(meta.knownLeader ?? true),
    'X-Consul-Lastcontact': '0',
    'X-Consul-Query-Backend': 'blocking-query',
  }
  if (meta.filteredByAcls) headers['X-Consul-Results-Filtered-By-Acls'] = 'true'
  return headers
}
