/**
 * `consul.kv`: the `/v1/kv/` endpoints — reads (blocking-capable), writes, locks and deletes.
 */
import { InvalidOptionError } from '../errors.js'
import { parseQueryMeta, type QueryParam, readRequestParts } from './blocking.js'
import {
  asArray,
  asArrayOrEmpty,
  asObject,
  MalformedResponseError,
  parseJson,
  readBase64,
  readOptionalString,
  readString,
  readUint,
} from './json.js'
import type { Transport, TransportResponse } from './transport.js'
import type {
  CallOptions,
  DeleteOptions,
  KeysOptions,
  KVPair,
  KVValueInput,
  LockWriteOptions,
  PutOptions,
  ReadOptions,
  ReadResult,
} from './types.js'
import { toUint64 } from './uint64.js'

/**
 * Checks a key or prefix. Consul addresses keys through the URL path, which it cleans: a
 * leading `/`, an empty segment (`a//b`) or a `.`/`..` segment would be redirected to a
 * different key, so they are refused here.
 *
 * @internal
 */
export function checkKey(key: unknown, option: string, allowEmpty: boolean): string {
  if (typeof key !== 'string') throw new InvalidOptionError(option, 'must be a string')
  if (key === '') {
    if (allowEmpty) return key
    throw new InvalidOptionError(option, 'must not be empty')
  }
  if (key.startsWith('/')) throw new InvalidOptionError(option, `must not begin with '/': '${key}'`)
  const segments = key.split('/')
  // A trailing '/' (empty last segment) is a distinct, valid key.
  if (
    segments.slice(0, -1).some((segment) => segment === '') ||
    segments.some((s) => s === '.' || s === '..')
  ) {
    throw new InvalidOptionError(option, `must not contain empty, '.' or '..' path segments: '${key}'`)
  }
  return key
}

/** Percent-encodes a key for the URL path, keeping `/` separators. @internal */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/')
}

/** Converts a value input to bytes. @internal */
export function valueBytes(value: unknown, option: string): Uint8Array | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  if (value instanceof Uint8Array) return value
  throw new InvalidOptionError(option, 'must be a string, a Uint8Array/Buffer or null')
}

/** Decodes one KV entry from Consul's JSON. @internal */
export function decodeKVPair(raw: unknown): KVPair {
  const object = asObject(raw, 'KV entry')
  const pair: KVPair = {
    key: readString(object, 'Key'),
    value: readBase64(object, 'Value'),
    flags: readUint(object, 'Flags'),
    lockIndex: readUint(object, 'LockIndex'),
    createIndex: readUint(object, 'CreateIndex'),
    modifyIndex: readUint(object, 'ModifyIndex'),
  }
  const session = readOptionalString(object, 'Session')
  if (session) pair.session = session
  return pair
}

function decodeBoolean(response: TransportResponse): boolean {
  const text = response.body.toString('utf8').trim()
  if (text === 'true') return true
  if (text === 'false') return false
  throw new MalformedResponseError(`expected true or false, got '${text.slice(0, 40)}'`)
}

function flagsParams(flags: PutOptions['flags'], option: string): QueryParam[] {
  if (flags === undefined) return []
  const value = toUint64(flags, option)
  // As Go's client: 0 is the default, so it is not sent.
  return value === 0n ? [] : [['flags', value.toString()]]
}

function checkSession(session: unknown, option: string): string {
  if (typeof session !== 'string' || session === '')
    throw new InvalidOptionError(option, 'must be a session id')
  return session
}

/** Decodes a JSON array of key names. */
function decodeKeyNames(body: unknown): string[] {
  return asArrayOrEmpty(body, 'keys response').map((key) => {
    if (typeof key !== 'string') throw new MalformedResponseError('a key is not a string')
    return key
  })
}

/**
 * The KV endpoints (`/v1/kv/`), reached as `consul.kv`. Reads resolve `{ value, meta }` and can
 * block (`index`, `wait`); writes resolve the server's `true`/`false`. Keys are plain strings
 * without a leading `/`; they are percent-encoded into the URL path here.
 */
export class KVEndpoint {
  readonly #transport: Transport

  /** @internal */
  constructor(transport: Transport) {
    this.#transport = transport
  }

  /**
   * Reads one key (`GET /v1/kv/<key>`). Resolves `value: null` when the key does not exist (a
   * 404, whose `meta.lastIndex` can still be blocked on, to wait for the key to appear).
   *
   * @example
   * ```ts
   * const { value: pair, meta } = await consul.kv.get('service/leader')
   * console.log(pair?.session, pair?.value?.toString(), meta.lastIndex)
   * // Wait (up to 15 s) for the key to change, with a consistent read as the lock monitor does:
   * await consul.kv.get('service/leader', { index: meta.lastIndex, wait: '15s', consistent: true })
   * ```
   */
  async get(key: string, options: ReadOptions = {}): Promise<ReadResult<KVPair | null>> {
    checkKey(key, 'key', false)
    return this.#read(key, [], options, null, (body) => {
      const entries = asArray(body, 'KV response')
      return entries.length > 0 ? decodeKVPair(entries[0]) : null
    })
  }

  /**
   * Reads every key starting with `prefix` (`GET /v1/kv/<prefix>?recurse`; a raw string prefix:
   * `locks/a` also matches `locks/ab`), sorted by key. Resolves `[]` when there are none.
   *
   * @example
   * ```ts
   * const { value: pairs, meta } = await consul.kv.list('service/semaphore/')
   * const holders = pairs.filter((pair) => pair.session !== undefined)
   * ```
   */
  async list(prefix: string, options: ReadOptions = {}): Promise<ReadResult<KVPair[]>> {
    checkKey(prefix, 'prefix', true)
    return this.#read(prefix, [['recurse']], options, [], (body) =>
      asArrayOrEmpty(body, 'KV response').map(decodeKVPair),
    )
  }

  /**
   * Lists the key names starting with `prefix` (`GET /v1/kv/<prefix>?keys`), optionally cut
   * after a `separator`. Resolves `[]` when there are none.
   *
   * @example
   * ```ts
   * const { value: children } = await consul.kv.keys('service/', { separator: '/' })
   * ```
   */
  async keys(prefix: string, options: KeysOptions = {}): Promise<ReadResult<string[]>> {
    checkKey(prefix, 'prefix', true)
    const params: QueryParam[] = [['keys']]
    if (options.separator !== undefined) {
      if (typeof options.separator !== 'string') throw new InvalidOptionError('separator', 'must be a string')
      if (options.separator !== '') params.push(['separator', options.separator])
    }
    return this.#read(prefix, params, options, [], decodeKeyNames)
  }

  /**
   * Writes a value and its `flags` (`PUT /v1/kv/<key>`). Resolves `true`, or with `cas` whether
   * the check passed. A session holding the key keeps it; the key's `lockIndex` is reset to 0.
   *
   * @example
   * ```ts
   * await consul.kv.put('config/app', JSON.stringify(config))
   * // Only if nobody changed it since we read it (cas: 0n → only if it does not exist):
   * const ok = await consul.kv.put('config/app', next, { cas: pair.modifyIndex })
   * ```
   */
  async put(key: string, value: KVValueInput, options: PutOptions = {}): Promise<boolean> {
    checkKey(key, 'key', false)
    const body = valueBytes(value, 'value')
    const params = flagsParams(options.flags, 'flags')
    if (options.cas !== undefined) params.push(['cas', toUint64(options.cas, 'cas').toString()])
    return this.#write('PUT', key, params, body, options)
  }

  /**
   * Acquires the lock on `key` for `session` (`PUT /v1/kv/<key>?acquire=<session>`), writing
   * `value` and `flags`. Resolves `true` when the session holds the lock (also when it already
   * did), `false` when another session holds it or a lock-delay is in effect — read the key to
   * tell which (Go's `Lock` does the same).
   *
   * @example
   * ```ts
   * const LOCK_FLAGS = 0x2ddccbc058a50c18n // Go's api.LockFlagValue
   * const held = await consul.kv.acquire('service/leader', session, 'node-a', { flags: LOCK_FLAGS })
   * ```
   */
  async acquire(
    key: string,
    session: string,
    value?: KVValueInput,
    options: LockWriteOptions = {},
  ): Promise<boolean> {
    return this.#lockWrite('acquire', key, session, value, options)
  }

  /**
   * Releases the lock `session` holds on `key` (`PUT /v1/kv/<key>?release=<session>`), writing
   * `value` and `flags` (pass the lock's flags again: every write replaces them). Resolves
   * `false` when the session did not hold it. Unlike a session's invalidation, a release starts
   * no lock-delay.
   *
   * @example
   * ```ts
   * await consul.kv.release('service/leader', session, 'node-a', { flags: LOCK_FLAGS })
   * ```
   */
  async release(
    key: string,
    session: string,
    value?: KVValueInput,
    options: LockWriteOptions = {},
  ): Promise<boolean> {
    return this.#lockWrite('release', key, session, value, options)
  }

  /**
   * Deletes a key (`DELETE /v1/kv/<key>`), or with `recurse` every key under a prefix. Resolves
   * `true`, or with `cas` whether the check passed (a missing key passes).
   *
   * @example
   * ```ts
   * // Remove a lock key only if nobody took it since we read it (Go's Lock.Destroy):
   * const removed = await consul.kv.delete('service/leader', { cas: pair.modifyIndex })
   * await consul.kv.delete('service/semaphore/', { recurse: true })
   * ```
   */
  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    if (options.recurse && options.cas !== undefined) {
      throw new InvalidOptionError('cas', 'cannot be combined with recurse')
    }
    checkKey(key, options.recurse ? 'prefix' : 'key', Boolean(options.recurse))
    const params: QueryParam[] = []
    if (options.recurse) params.push(['recurse'])
    if (options.cas !== undefined) params.push(['cas', toUint64(options.cas, 'cas').toString()])
    return this.#write('DELETE', key, params, undefined, options)
  }

  /** A KV read: a 404 resolves `notFound`, a 200 the decoded JSON body, both with the meta. */
  #read<T>(
    key: string,
    params: readonly QueryParam[],
    options: ReadOptions,
    notFound: T,
    decodeBody: (body: unknown) => T,
  ): Promise<ReadResult<T>> {
    const read = readRequestParts(options)
    return this.#transport.request({
      method: 'GET',
      path: `/v1/kv/${encodeKeyPath(key)}`,
      params: [...read.params, ...params],
      maxHoldMs: read.maxHoldMs,
      signal: options.signal,
      accept: [404],
      decode: (response) => ({
        value: response.status === 404 ? notFound : decodeBody(parseJson(response.body.toString('utf8'))),
        meta: parseQueryMeta(response.headers),
      }),
    })
  }

  /** `?acquire=` and `?release=`: the same write, told apart by the parameter name. */
  #lockWrite(
    operation: 'acquire' | 'release',
    key: string,
    session: string,
    value: KVValueInput | undefined,
    options: LockWriteOptions,
  ): Promise<boolean> {
    checkKey(key, 'key', false)
    checkSession(session, 'session')
    const body = valueBytes(value, 'value')
    const params: QueryParam[] = [...flagsParams(options.flags, 'flags'), [operation, session]]
    return this.#write('PUT', key, params, body, options)
  }

  #write(
    method: 'PUT' | 'DELETE',
    key: string,
    params: readonly QueryParam[],
    body: Uint8Array | undefined,
    options: CallOptions,
  ): Promise<boolean> {
    return this.#transport.request({
      method,
      path: `/v1/kv/${encodeKeyPath(key)}`,
      params,
      // Go's client sends a (possibly empty) body with every KV PUT, as octet-stream.
      ...(method === 'PUT'
        ? { body: body ?? new Uint8Array(0), contentType: 'application/octet-stream' }
        : {}),
      signal: options.signal,
      decode: decodeBoolean,
    })
  }
}
