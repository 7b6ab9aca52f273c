/**
 * `SemaphoreOptions`, the semaphore's public options (Go's `api.SemaphoreOptions`), and their
 * validation into the plain `SemaphoreSettings` the semaphore machine keeps in its context.
 */
import type { Duration } from '../src/consul/duration.js'
import { goPathJoin } from '../src/consul/key-path.js'
import { checkKey, valueBytes } from '../src/consul/kv.js'
import type { KVValueInput, SessionCreateOptions } from '../src/consul/types.js'
import { InvalidOptionError } from '../src/errors.js'
import { DEFAULT_MONITOR_RETRY_TIME } from './lock.options.js'
import {
  checkOptionalBoolean,
  checkOptionalString,
  checkOptionNames,
  checkSession,
  monitorRetriesOf,
  positiveMs,
} from './option-checks.js'

/** Go's `DefaultSemaphoreSessionName`. */
export const DEFAULT_SEMAPHORE_SESSION_NAME = 'Consul API Semaphore'
/** Go's `DefaultSemaphoreSessionTTL`. */
export const DEFAULT_SEMAPHORE_SESSION_TTL = '15s'
/** Go's `DefaultSemaphoreWaitTime`. */
export const DEFAULT_SEMAPHORE_WAIT_TIME = '15s'

/**
 * Options of `consul.semaphore(options)`, mirroring Go's `api.SemaphoreOptions`: at most `limit`
 * sessions hold a slot under `prefix` at once. Durations are Go duration strings (`'15s'`,
 * `'250ms'`) or milliseconds.
 *
 * @example
 * ```ts
 * const semaphore = consul.semaphore({ prefix: 'service/workers', limit: 2, value: 'node-a' })
 * ```
 */
export interface SemaphoreOptions {
  /**
   * The KV prefix of the semaphore: contenders write `<prefix>/<session>`, and the holders are
   * kept in `<prefix>/.lock`. Required; trailing slashes are dropped (as Go's `path.Join` does).
   * Needs `key:write` permission on the prefix.
   */
  prefix: string
  /**
   * How many sessions may hold a slot at once: a positive integer. Every contender on the prefix
   * must use the same limit.
   */
  limit: number
  /**
   * The value of this contender's key `<prefix>/<session>` (e.g. who holds the slot).
   *
   * @default null (an empty value)
   */
  value?: KVValueInput
  /**
   * An existing session to contend with. The semaphore never renews or destroys a session it
   * was given (it does delete its contender key); without one it creates its own, with
   * behavior `delete`, renews it while pending and held, and destroys it after. When the
   * `.lock` record already lists this session and its contender key carries it, acquiring
   * reclaims that slot without taking another (a restarted process gets its slot back). So one
   * session is one holder: two `Semaphore`s contending with the same session share one slot.
   *
   * @default undefined (the semaphore creates a session)
   */
  session?: string
  /**
   * The name of the session the semaphore creates.
   *
   * @default 'Consul API Semaphore'
   */
  sessionName?: string
  /**
   * The TTL of the session the semaphore creates; it is renewed every TTL/2 and adopts the TTL
   * the server answers with. Consul's lower limit (10 s unless the agent lowers
   * `session_ttl_min`) is enforced by the server, not here.
   *
   * @default '15s'
   */
  sessionTTL?: Duration
  /**
   * How many consecutive failed reads of the prefix the monitor of a held slot rides out
   * (transport errors, 5xx, 429) before declaring it lost (`monitor-failed`). `0` gives up at
   * the first failure, as Go does by default.
   *
   * @default 0
   */
  monitorRetries?: number
  /**
   * The pause before the monitor retries a failed read.
   *
   * @default '2s'
   */
  monitorRetryTime?: Duration
  /**
   * How long each blocking read of the prefix may wait for a change; with `tryAcquire` (or
   * `semaphoreTryOnce`) the default budget of the whole attempt.
   *
   * @default '15s'
   */
  semaphoreWaitTime?: Duration
  /**
   * Makes a bare `ACQUIRE` event (embedded machines) give up after `semaphoreWaitTime` instead
   * of waiting for a slot. The facade's `acquire()` always waits and `tryAcquire()` always tries.
   *
   * @default false
   */
  semaphoreTryOnce?: boolean
}

/** Validated semaphore options, in milliseconds; what the semaphore machine keeps in context. */
export interface SemaphoreSettings {
  /** The prefix without trailing slashes. */
  prefix: string
  limit: number
  value: string | Uint8Array | null
  /** The caller's session, or `null` when the semaphore creates its own. */
  session: string | null
  /** The body of the session the semaphore creates: `{ name, ttl, behavior: 'delete' }`. */
  sessionOptions: SessionCreateOptions
  /** The TTL renewal starts from, in ms. */
  sessionTTLMs: number
  semaphoreWaitTimeMs: number
  semaphoreTryOnce: boolean
  monitorRetries: number
  monitorRetryTimeMs: number
}

const KNOWN_OPTIONS = new Set<string>([
  'prefix',
  'limit',
  'value',
  'session',
  'sessionName',
  'sessionTTL',
  'monitorRetries',
  'monitorRetryTime',
  'semaphoreWaitTime',
  'semaphoreTryOnce',
])

/**
 * The prefix as Go's `path.Join(prefix, …)` uses it: cleaned, without trailing slashes. What is
 * left must be a key Consul addresses as written (no leading `/`, no `..`).
 */
function normalizePrefix(prefix: unknown): string {
  if (prefix === undefined || prefix === '') throw new InvalidOptionError('prefix', 'missing prefix')
  if (typeof prefix !== 'string') throw new InvalidOptionError('prefix', 'must be a string')
  return checkKey(goPathJoin(prefix), 'prefix', false)
}

/** The limit: Go only requires it to be positive; here it must also be a safe integer. */
function checkLimit(limit: unknown): number {
  // Go reads a missing limit as 0.
  if (limit === undefined || (typeof limit === 'number' && limit <= 0)) {
    throw new InvalidOptionError('limit', 'semaphore limit must be positive')
  }
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit)) {
    throw new InvalidOptionError('limit', 'semaphore limit must be a positive safe integer')
  }
  return limit
}

/**
 * Validates semaphore options and fills in Go's defaults. Throws an `InvalidOptionError` naming
 * the option; sends nothing.
 */
export function resolveSemaphoreOptions(options: SemaphoreOptions): SemaphoreSettings {
  checkOptionNames(options, KNOWN_OPTIONS, 'a prefix and a limit', 'semaphore')
  const prefix = normalizePrefix(options.prefix)
  const limit = checkLimit(options.limit)
  valueBytes(options.value, 'value')
  checkSession(options.session)
  checkOptionalString(options.sessionName, 'sessionName')
  checkOptionalBoolean(options.semaphoreTryOnce, 'semaphoreTryOnce')
  const sessionTTL = options.sessionTTL ?? DEFAULT_SEMAPHORE_SESSION_TTL
  return {
    prefix,
    limit,
    value: options.value ?? null,
    session: options.session ?? null,
    sessionOptions: {
      name: options.sessionName ?? DEFAULT_SEMAPHORE_SESSION_NAME,
      ttl: sessionTTL,
      behavior: 'delete',
    },
    sessionTTLMs: positiveMs(sessionTTL, 'sessionTTL'),
    semaphoreWaitTimeMs: positiveMs(
      options.semaphoreWaitTime ?? DEFAULT_SEMAPHORE_WAIT_TIME,
      'semaphoreWaitTime',
    ),
    semaphoreTryOnce: options.semaphoreTryOnce ?? false,
    monitorRetries: monitorRetriesOf(options.monitorRetries),
    monitorRetryTimeMs: positiveMs(
      options.monitorRetryTime ?? DEFAULT_MONITOR_RETRY_TIME,
      'monitorRetryTime',
    ),
  }
}
