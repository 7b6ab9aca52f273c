/**
 * `consul.session`: the `/v1/session/` endpoints.
 */
import { InvalidOptionError } from '../errors.js'
import { parseQueryMeta, readRequestParts } from './blocking.js'
import { formatGoDuration, formatMillisecondsForConsul, parseGoDuration, toMilliseconds } from './duration.js'
import {
  asArrayOrEmpty,
  asObject,
  MalformedResponseError,
  parseJson,
  readInt,
  readOptionalString,
  readString,
  readUint,
  stringifyJson,
} from './json.js'
import type { Transport, TransportResponse } from './transport.js'
import type {
  CallOptions,
  ReadOptions,
  ReadResult,
  ServiceCheck,
  SessionBehavior,
  SessionCreateOptions,
  SessionEntry,
} from './types.js'

function checkId(value: unknown, option: string): string {
  if (typeof value !== 'string' || value === '')
    throw new InvalidOptionError(option, 'must be a non-empty string')
  return value
}

function checkStringList(value: unknown, option: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new InvalidOptionError(option, 'must be an array of strings')
  }
  return [...value]
}

/** Builds the JSON body of `PUT /v1/session/create`, as Go's client does. @internal */
export function sessionCreateBody(options: SessionCreateOptions): Record<string, unknown> {
  if (typeof options !== 'object' || options === null)
    throw new InvalidOptionError('options', 'must be an object')
  const body: Record<string, unknown> = {}
  if (options.name !== undefined) {
    if (typeof options.name !== 'string') throw new InvalidOptionError('name', 'must be a string')
    if (options.name !== '') body.Name = options.name
  }
  if (options.node !== undefined) {
    if (typeof options.node !== 'string') throw new InvalidOptionError('node', 'must be a string')
    if (options.node !== '') body.Node = options.node
  }
  if (options.lockDelay !== undefined) {
    // Go sends "<n>ms"; a bare JSON number would be read as nanoseconds (or seconds if < 1000).
    body.LockDelay = formatMillisecondsForConsul(toMilliseconds(options.lockDelay, 'lockDelay'))
  }
  if (options.behavior !== undefined) {
    const behaviors: readonly SessionBehavior[] = ['release', 'delete']
    if (!behaviors.includes(options.behavior)) {
      throw new InvalidOptionError(
        'behavior',
        `must be 'release' or 'delete', got '${String(options.behavior)}'`,
      )
    }
    body.Behavior = options.behavior
  }
  if (options.ttl !== undefined) {
    if (typeof options.ttl === 'string') {
      const ms = parseGoDuration(options.ttl)
      if (ms === undefined || ms < 0)
        throw new InvalidOptionError('ttl', `'${options.ttl}' is not a valid duration`)
      body.TTL = options.ttl
    } else {
      body.TTL = formatGoDuration(toMilliseconds(options.ttl, 'ttl'))
    }
  }
  if (options.nodeChecks !== undefined) body.NodeChecks = checkStringList(options.nodeChecks, 'nodeChecks')
  if (options.serviceChecks !== undefined) {
    if (!Array.isArray(options.serviceChecks))
      throw new InvalidOptionError('serviceChecks', 'must be an array')
    body.ServiceChecks = options.serviceChecks.map((check: ServiceCheck, i) => {
      if (typeof check?.id !== 'string' || check.id === '') {
        throw new InvalidOptionError(`serviceChecks[${i}].id`, 'must be a non-empty string')
      }
      return check.namespace ? { ID: check.id, Namespace: check.namespace } : { ID: check.id }
    })
  }
  if (options.checks !== undefined) body.Checks = checkStringList(options.checks, 'checks')
  return body
}

/** Decodes one session from Consul's JSON. @internal */
export function decodeSessionEntry(raw: unknown): SessionEntry {
  const object = asObject(raw, 'session')
  const nodeChecks = asArrayOrEmpty(object.NodeChecks, 'NodeChecks').map((check) => {
    if (typeof check !== 'string') throw new MalformedResponseError('NodeChecks holds a non-string')
    return check
  })
  const serviceChecks = asArrayOrEmpty(object.ServiceChecks, 'ServiceChecks').map((raw): ServiceCheck => {
    const check = asObject(raw, 'service check')
    const namespace = readOptionalString(check, 'Namespace')
    return namespace ? { id: readString(check, 'ID'), namespace } : { id: readString(check, 'ID') }
  })
  return {
    id: readString(object, 'ID'),
    name: readOptionalString(object, 'Name') ?? '',
    node: readOptionalString(object, 'Node') ?? '',
    // Nanoseconds on the wire.
    lockDelay: Number(readInt(object, 'LockDelay')) / 1e6,
    behavior: readOptionalString(object, 'Behavior') ?? '',
    ttl: readOptionalString(object, 'TTL') ?? '',
    nodeChecks,
    serviceChecks,
    createIndex: readUint(object, 'CreateIndex'),
    modifyIndex: readUint(object, 'ModifyIndex'),
  }
}

function decodeSessionList(response: TransportResponse): SessionEntry[] {
  return asArrayOrEmpty(parseJson(response.body.toString('utf8')), 'session list').map(decodeSessionEntry)
}

/** The session endpoints (`/v1/session/`), reached as `consul.session`. */
export class SessionEndpoint {
  readonly #transport: Transport

  /** @internal */
  constructor(transport: Transport) {
    this.#transport = transport
  }

  /**
   * Creates a session (`PUT /v1/session/create`) and resolves its id. Omitted options use
   * Consul's defaults: no TTL, lock-delay 15 s, behavior `release`, the node's `serfHealth` check.
   * The body is Go's: `TTL` as a duration string, `LockDelay` as `"<n>ms"`.
   *
   * @example
   * ```ts
   * const id = await consul.session.create({ name: 'worker-1', ttl: '15s', behavior: 'delete' })
   * ```
   */
  async create(options: SessionCreateOptions = {}, callOptions: CallOptions = {}): Promise<string> {
    const body = sessionCreateBody(options)
    return this.#transport.request({
      method: 'PUT',
      path: '/v1/session/create',
      body: stringifyJson(body),
      signal: callOptions.signal,
      decode: (response) =>
        readString(asObject(parseJson(response.body.toString('utf8')), 'create response'), 'ID'),
    })
  }

  /**
   * Renews a TTL session (`PUT /v1/session/renew/<id>`). Resolves the session (its `ttl` is the
   * server's, which may differ from the one asked for: renew again at half of it), or `null`
   * when the session no longer exists — Go's `ErrSessionExpired`; its locks are gone.
   *
   * @example
   * ```ts
   * const renewed = await consul.session.renew(id, { signal })
   * if (renewed === null) onLost('session-invalidated')
   * ```
   */
  async renew(id: string, options: CallOptions = {}): Promise<SessionEntry | null> {
    checkId(id, 'id')
    return this.#transport.request({
      method: 'PUT',
      path: `/v1/session/renew/${encodeURIComponent(id)}`,
      signal: options.signal,
      accept: [404],
      decode: (response) => {
        if (response.status === 404) return null
        return (
          asArrayOrEmpty(parseJson(response.body.toString('utf8')), 'renew response').map(
            decodeSessionEntry,
          )[0] ?? null
        )
      },
    })
  }

  /**
   * Destroys a session (`PUT /v1/session/destroy/<id>`): the locks it holds are released (or
   * deleted, for behavior `delete`) and its lock-delay starts on them. Destroying an unknown
   * session succeeds, so it is safe to retry.
   *
   * @example
   * ```ts
   * await consul.session.destroy(id)
   * ```
   */
  async destroy(id: string, options: CallOptions = {}): Promise<void> {
    checkId(id, 'id')
    return this.#transport.request({
      method: 'PUT',
      path: `/v1/session/destroy/${encodeURIComponent(id)}`,
      signal: options.signal,
      decode: () => undefined,
    })
  }

  /**
   * Reads one session (`GET /v1/session/info/<id>`); `value: null` when it does not exist.
   * Blocking-capable: with `index`, resolves when the session is created or destroyed.
   *
   * @example
   * ```ts
   * const { value: session, meta } = await consul.session.info(id)
   * // Resolves as soon as the session is invalidated (or after 5 min):
   * await consul.session.info(id, { index: meta.lastIndex, wait: '5m', signal })
   * ```
   */
  async info(id: string, options: ReadOptions = {}): Promise<ReadResult<SessionEntry | null>> {
    checkId(id, 'id')
    return this.#read(`/v1/session/info/${encodeURIComponent(id)}`, options, (list) => list[0] ?? null)
  }

  /**
   * Lists every session (`GET /v1/session/list`). Blocking-capable.
   *
   * @example
   * ```ts
   * const { value: sessions } = await consul.session.list()
   * ```
   */
  async list(options: ReadOptions = {}): Promise<ReadResult<SessionEntry[]>> {
    return this.#read('/v1/session/list', options, (list) => list)
  }

  /**
   * Lists the sessions of one node (`GET /v1/session/node/<node>`); `[]` for an unknown node.
   * Blocking-capable.
   *
   * @example
   * ```ts
   * const { value: mine } = await consul.session.node('node-a')
   * ```
   */
  async node(node: string, options: ReadOptions = {}): Promise<ReadResult<SessionEntry[]>> {
    checkId(node, 'node')
    return this.#read(`/v1/session/node/${encodeURIComponent(node)}`, options, (list) => list)
  }

  #read<T>(path: string, options: ReadOptions, pick: (list: SessionEntry[]) => T): Promise<ReadResult<T>> {
    const { params, maxHoldMs } = readRequestParts(options)
    return this.#transport.request({
      method: 'GET',
      path,
      params,
      maxHoldMs,
      signal: options.signal,
      decode: (response) => ({
        value: pick(decodeSessionList(response)),
        meta: parseQueryMeta(response.headers),
      }),
    })
  }
}
