/**
 * Public data types of the Consul client. Every uint64 Consul sends or accepts (`Flags`,
 * `LockIndex`, `CreateIndex`, `ModifyIndex`, `X-Consul-Index`) is a `bigint`, exact to the last
 * digit.
 */
import type { Duration } from './duration.js'

/**
 * An unsigned 64-bit integer given as input: a `bigint`, or a `number` that is a safe
 * non-negative integer (larger numbers are rejected because they were already rounded).
 * Outputs are always `bigint`.
 */
export type Uint64Input = bigint | number

/** A KV value as input: text (sent as UTF-8), bytes, or `null` for an empty value. */
export type KVValueInput = string | Uint8Array | null

/** Options every call accepts. */
export interface CallOptions {
  /**
   * Cancels the call: an in-flight HTTP request is aborted at once (a long blocking GET too) and
   * the call rejects with `signal.reason`, unwrapped. An already aborted signal rejects before
   * anything is sent.
   *
   * @default undefined (not cancellable)
   * @example
   * ```ts
   * await consul.kv.get('config/app', { signal: AbortSignal.timeout(2_000) })
   * ```
   */
  signal?: AbortSignal
}

/** Options of reads (KV get/list/keys, session info/list/node): blocking and consistency. */
export interface ReadOptions extends CallOptions {
  /**
   * Makes the read a blocking query: the server holds the request until the result's index
   * exceeds `index` or `wait` elapses, then answers with the current result. `0`/absent means
   * "answer at once". Feed it `meta.lastIndex` of the previous read, through
   * {@link nextWaitIndex}.
   *
   * @default undefined (non-blocking)
   * @example
   * ```ts
   * let index = 0n
   * for (;;) {
   *   const { value, meta } = await consul.kv.get('config/app', { index, wait: '5m' })
   *   index = nextWaitIndex(index, meta.lastIndex)
   * }
   * ```
   */
  index?: Uint64Input
  /**
   * The longest time the server may hold a blocking query (Consul caps it at 10 min and adds up
   * to `wait/16` of jitter). Sent as `wait=<n>ms`. Only meaningful with `index`.
   *
   * @default undefined (Consul's default, 5 min, when `index` is set)
   */
  wait?: Duration
  /**
   * Requires a fully consistent read (the leader verifies it is still the leader): `?consistent`.
   * Cannot be combined with `stale`.
   *
   * @default false
   */
  consistent?: boolean
  /**
   * Allows any server to answer, possibly with stale data: `?stale`. Cannot be combined with
   * `consistent`.
   *
   * @default false
   */
  stale?: boolean
}

/** Options of `kv.keys`. */
export interface KeysOptions extends ReadOptions {
  /**
   * Lists keys only up to the first `separator` after the prefix, de-duplicated, like a
   * directory listing: with keys `a/b/c` and `a/d`, `keys('a/', { separator: '/' })` gives
   * `['a/b/', 'a/d']`.
   *
   * @default undefined (every key under the prefix)
   */
  separator?: string
}

/** Options of `kv.put`. */
export interface PutOptions extends CallOptions {
  /**
   * The opaque uint64 stored with the value. Every write replaces it, so omitting it stores `0`.
   *
   * @default 0n
   */
  flags?: Uint64Input
  /**
   * Check-and-set: write only if the key's `ModifyIndex` equals `cas`; `0` means "only if the key
   * does not exist". The call then resolves `false` when the check fails.
   *
   * @default undefined (unconditional write)
   */
  cas?: Uint64Input
}

/** Options of `kv.acquire` and `kv.release`. */
export interface LockWriteOptions extends CallOptions {
  /**
   * The opaque uint64 stored with the value (both acquire and release write it).
   *
   * @default 0n
   */
  flags?: Uint64Input
}

/** Options of `kv.delete`. */
export interface DeleteOptions extends CallOptions {
  /**
   * Check-and-set: delete only if the key's `ModifyIndex` equals `cas` (a missing key counts as
   * deleted). Cannot be combined with `recurse`.
   *
   * @default undefined (unconditional delete)
   */
  cas?: Uint64Input
  /**
   * Deletes every key that starts with the given prefix (a raw string prefix: `foo` also matches
   * `foobar`). With an empty prefix this deletes the whole KV store.
   *
   * @default false
   */
  recurse?: boolean
}

/** Metadata of a read, from the `X-Consul-*` response headers. */
export interface QueryMeta {
  /**
   * `X-Consul-Index`: the index to block on next (see {@link ReadOptions.index}). A missing or
   * zero header reads as `1n`, as Consul's documentation asks clients to do.
   */
  lastIndex: bigint
  /** `X-Consul-KnownLeader`: whether the answering server knew of a leader. */
  knownLeader: boolean
  /** `X-Consul-LastContact`: milliseconds since the answering server last heard from the leader. */
  lastContact: number
}

/** What a read resolves to: the value and the response metadata. */
export interface ReadResult<T> {
  value: T
  meta: QueryMeta
}

/** A KV entry. */
export interface KVPair {
  key: string
  /** The stored bytes, or `null` for an entry stored without a value. */
  value: Buffer | null
  /** The opaque uint64 stored with the value, exact. */
  flags: bigint
  /** The session holding the lock on this key, if any. */
  session?: string
  /** How many times the lock on this key was acquired by a new session. */
  lockIndex: bigint
  createIndex: bigint
  /** The index of the last write; the value to pass as `cas`. */
  modifyIndex: bigint
}

/** What happens to the locks a session holds when it is invalidated. */
export type SessionBehavior = 'release' | 'delete'

/** A service check linked to a session. */
export interface ServiceCheck {
  id: string
  /** Enterprise namespace of the check; empty on Consul CE. */
  namespace?: string
}

/** Options of `session.create`; every field is optional and omitted fields use Consul's defaults. */
export interface SessionCreateOptions {
  /**
   * A human-readable name.
   *
   * @default '' (no name)
   */
  name?: string
  /**
   * The node the session belongs to.
   *
   * @default the answering agent's node
   */
  node?: string
  /**
   * How long, after this session is invalidated, nobody may acquire the locks it held. Sent as
   * `"<n>ms"`, as Go's client does; unlike Go, `0` is sent too (`"0ms"`) and means no delay.
   * Consul caps the delay at 60 s when applying it.
   *
   * @default undefined (Consul's default, 15 s)
   * @example
   * ```ts
   * await consul.session.create({ ttl: '15s', lockDelay: 0 })
   * ```
   */
  lockDelay?: Duration
  /**
   * `release` clears the session from the keys it holds on invalidation; `delete` deletes them.
   *
   * @default 'release'
   */
  behavior?: SessionBehavior
  /**
   * Invalidates the session unless renewed within this time (the server may wait up to twice
   * as long). Strings are sent verbatim; numbers are milliseconds, sent as e.g. `'15s'`.
   * Consul accepts 10 s to 24 h by default; `0` means no TTL.
   *
   * @default undefined (no TTL)
   */
  ttl?: Duration
  /**
   * Node health checks that invalidate the session when critical. `[]` links none.
   *
   * @default undefined (Consul links the node's `serfHealth` check)
   */
  nodeChecks?: readonly string[]
  /**
   * Service health checks that invalidate the session when critical.
   *
   * @default undefined (none)
   */
  serviceChecks?: readonly ServiceCheck[]
  /**
   * Deprecated Consul field listing node checks; prefer `nodeChecks`.
   *
   * @default undefined
   */
  checks?: readonly string[]
}

/** A session, as Consul reports it. */
export interface SessionEntry {
  id: string
  name: string
  node: string
  /** The lock-delay in milliseconds (Consul sends nanoseconds). */
  lockDelay: number
  behavior: string
  /** The TTL as it was submitted, e.g. `'15s'`; `''` for no TTL. */
  ttl: string
  nodeChecks: string[]
  serviceChecks: ServiceCheck[]
  createIndex: bigint
  modifyIndex: bigint
}

/** `set`: write the value and flags (like `kv.put`). */
export interface TxnSetOp {
  verb: 'set'
  key: string
  value?: KVValueInput
  flags?: Uint64Input
}
/** `cas`: write only if the key's ModifyIndex equals `index` (`0`: only if absent). */
export interface TxnCasOp {
  verb: 'cas'
  key: string
  value?: KVValueInput
  flags?: Uint64Input
  index: Uint64Input
}
/** `lock`: acquire the key for `session` (like `kv.acquire`). */
export interface TxnLockOp {
  verb: 'lock'
  key: string
  session: string
  value?: KVValueInput
  flags?: Uint64Input
}
/** `unlock`: release the key held by `session` (like `kv.release`). */
export interface TxnUnlockOp {
  verb: 'unlock'
  key: string
  session: string
  value?: KVValueInput
  flags?: Uint64Input
}
/** `get` (fails if missing), `get-or-empty` (never fails), `get-tree` (every key under a prefix). */
export interface TxnGetOp {
  verb: 'get' | 'get-or-empty' | 'get-tree'
  key: string
}
/** `check-index`: fail unless the key's ModifyIndex equals `index`. */
export interface TxnCheckIndexOp {
  verb: 'check-index'
  key: string
  index: Uint64Input
}
/** `check-session`: fail unless `session` holds the key. */
export interface TxnCheckSessionOp {
  verb: 'check-session'
  key: string
  session: string
}
/** `check-not-exists`: fail if the key exists. */
export interface TxnCheckNotExistsOp {
  verb: 'check-not-exists'
  key: string
}
/** `delete`: delete the key; `delete-tree`: delete every key under the prefix. */
export interface TxnDeleteOp {
  verb: 'delete' | 'delete-tree'
  key: string
}
/** `delete-cas`: delete only if the key's ModifyIndex equals `index`. */
export interface TxnDeleteCasOp {
  verb: 'delete-cas'
  key: string
  index: Uint64Input
}

/** One KV operation of a transaction; `verb` names it as Consul does. */
export type TxnOp =
  | TxnSetOp
  | TxnCasOp
  | TxnLockOp
  | TxnUnlockOp
  | TxnGetOp
  | TxnCheckIndexOp
  | TxnCheckSessionOp
  | TxnCheckNotExistsOp
  | TxnDeleteOp
  | TxnDeleteCasOp

/** Every KV verb a transaction accepts. */
export type TxnVerb = TxnOp['verb']

/** Why an operation made a transaction fail. */
export interface TxnError {
  /** The position of the failing operation in the submitted list. */
  opIndex: number
  /** Consul's explanation, e.g. `failed to lock key "a", lock is already held`. */
  what: string
}

/** The outcome of `consul.txn(...)`. */
export interface TxnResult {
  /** `true` when every operation was applied; `false` when the transaction was rolled back. */
  ok: boolean
  /**
   * One entry per operation that yields one, in order. Only `get`, `get-or-empty` and `get-tree`
   * carry values; other results have `value: null`. Empty when `ok` is false.
   */
  results: KVPair[]
  /** Why the transaction was rolled back; empty when `ok` is true. */
  errors: TxnError[]
}
