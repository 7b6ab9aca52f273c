/**
 * `LockOptions`, the lock's public options (Go's `api.LockOptions`), and their validation into
 * the plain `LockSettings` the lock machine keeps in its context.
 */
import { type Duration, toMilliseconds } from '../src/consul/duration.js'
import { checkKey, valueBytes } from '../src/consul/kv.js'
import { sessionCreateBody } from '../src/consul/session.js'
import type { KVValueInput, SessionCreateOptions } from '../src/consul/types.js'
import { InvalidOptionError } from '../src/errors.js'
import {
  checkOptionalBoolean,
  checkOptionalString,
  checkOptionNames,
  checkSession,
  monitorRetriesOf,
  positiveMs,
} from './option-checks.js'

/** Go's `DefaultLockSessionName`. */
export const DEFAULT_LOCK_SESSION_NAME = 'Consul API Lock'
/** Go's `DefaultLockSessionTTL`. */
export const DEFAULT_LOCK_SESSION_TTL = '15s'
/** Go's `DefaultLockWaitTime`. */
export const DEFAULT_LOCK_WAIT_TIME = '15s'
/** Go's `DefaultMonitorRetryTime`. */
export const DEFAULT_MONITOR_RETRY_TIME = '2s'
/**
 * The cap of the lock-delay backoff. Go sleeps a flat 5 s (`DefaultLockRetryTime`); capping
 * the backoff at 500 ms keeps a waiter within 500 ms of the end of any lock-delay.
 */
export const DEFAULT_LOCK_RETRY_TIME = '500ms'

/**
 * Options of `consul.lock(options)`, mirroring Go's `api.LockOptions`. Durations are Go
 * duration strings (`'15s'`, `'250ms'`) or milliseconds.
 *
 * @example
 * ```ts
 * const lock = consul.lock({ key: 'service/leader', value: 'node-a', sessionTTL: '10s' })
 * ```
 */
export interface LockOptions {
  /** The KV key of the lock. Required; needs `key:write` permission. */
  key: string
  /**
   * The value written with every acquire and release (e.g. who holds the lock).
   *
   * @default null (an empty value)
   */
  value?: KVValueInput
  /**
   * An existing session to lock with. The lock never renews or destroys a session it was given;
   * without one it creates its own, renews it while pending and held, and destroys it after.
   * When the key already carries this session, acquiring reclaims it without a write.
   *
   * @default undefined (the lock creates a session)
   */
  session?: string
  /**
   * The session-create body, used verbatim instead of `sessionName`, `sessionTTL` and
   * `lockDelay` (Go's `SessionOpts`). Renewal follows its `ttl`; without one the session has no
   * TTL and is not renewed.
   *
   * @default undefined
   */
  sessionOptions?: SessionCreateOptions
  /**
   * The name of the session the lock creates.
   *
   * @default 'Consul API Lock'
   */
  sessionName?: string
  /**
   * The TTL of the session the lock creates; it is renewed every TTL/2 and adopts the TTL the
   * server answers with. Consul's lower limit (10 s unless the agent lowers `session_ttl_min`)
   * is enforced by the server, not here.
   *
   * @default '15s'
   */
  sessionTTL?: Duration
  /**
   * How long after this lock's session is invalidated nobody may take the lock. `0` means no
   * delay (Go cannot express it); Consul caps it at 60 s.
   *
   * @default undefined (Consul's default, 15 s)
   */
  lockDelay?: Duration
  /**
   * How long each blocking read of the key may wait for a change; with `tryAcquire` (or
   * `lockTryOnce`) the default budget of the whole attempt.
   *
   * @default '15s'
   */
  lockWaitTime?: Duration
  /**
   * Makes a bare `ACQUIRE` event (embedded machines) give up after `lockWaitTime` instead of
   * waiting for the lock. The facade's `acquire()` always waits and `tryAcquire()` always tries.
   *
   * @default false
   */
  lockTryOnce?: boolean
  /**
   * How many consecutive failed reads of the key the monitor of a held lock rides out
   * (transport errors, 5xx, 429) before declaring the lock lost (`monitor-failed`). `0` gives up
   * at the first failure, as Go does by default.
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
   * The cap of the exponential backoff (50 ms, 100 ms, 200 ms, …) between acquire attempts
   * while a lock-delay is in effect.
   *
   * @default '500ms'
   */
  retryTime?: Duration
}

/** Validated lock options, in milliseconds; what the lock machine keeps in context. */
export interface LockSettings {
  key: string
  value: string | Uint8Array | null
  /** The caller's session, or `null` when the lock creates its own. */
  session: string | null
  /** The body of the session the lock creates. */
  sessionOptions: SessionCreateOptions
  /** The TTL renewal starts from, in ms; 0 when the created session has no TTL. */
  sessionTTLMs: number
  lockWaitTimeMs: number
  lockTryOnce: boolean
  monitorRetries: number
  monitorRetryTimeMs: number
  retryTimeMs: number
}

const KNOWN_OPTIONS = new Set<string>([
  'key',
  'value',
  'session',
  'sessionOptions',
  'sessionName',
  'sessionTTL',
  'lockDelay',
  'lockWaitTime',
  'lockTryOnce',
  'monitorRetries',
  'monitorRetryTime',
  'retryTime',
])

/**
 * Validates a session-create body now rather than at the first request, naming the field as
 * the caller wrote it (`sessionOptions.ttl`, or `lockDelay` when built from the lock options).
 */
function checkSessionOptions(sessionOptions: SessionCreateOptions, prefix: string): void {
  if (typeof sessionOptions !== 'object' || sessionOptions === null || Array.isArray(sessionOptions)) {
    throw new InvalidOptionError('sessionOptions', 'must be an object')
  }
  try {
    sessionCreateBody(sessionOptions)
  } catch (error) {
    if (!(error instanceof InvalidOptionError) || prefix === '') throw error
    throw new InvalidOptionError(
      `${prefix}${error.option}`,
      error.message.replace(/^Invalid option '[^']*': /, ''),
    )
  }
}

/**
 * The budget of a try-once ACQUIRE (`tryAcquire({ wait })`) in ms: a positive duration.
 * Throws an `InvalidOptionError` naming `wait`.
 */
export function tryWaitMs(wait: Duration): number {
  return positiveMs(wait, 'wait')
}

/**
 * Validates lock options and fills in Go's defaults. Throws an `InvalidOptionError` naming the
 * option; sends nothing.
 */
export function resolveLockOptions(options: LockOptions): LockSettings {
  checkOptionNames(options, KNOWN_OPTIONS, 'a key', 'lock')
  if (options.key === undefined) throw new InvalidOptionError('key', 'missing key')
  const key = checkKey(options.key, 'key', false)
  valueBytes(options.value, 'value')
  checkSession(options.session)
  checkOptionalString(options.sessionName, 'sessionName')
  checkOptionalBoolean(options.lockTryOnce, 'lockTryOnce')
  const monitorRetries = monitorRetriesOf(options.monitorRetries)
  const sessionTTL = options.sessionTTL ?? DEFAULT_LOCK_SESSION_TTL
  const sessionTTLMs = positiveMs(sessionTTL, 'sessionTTL')
  const sessionOptions: SessionCreateOptions = options.sessionOptions ?? {
    name: options.sessionName ?? DEFAULT_LOCK_SESSION_NAME,
    ttl: sessionTTL,
    ...(options.lockDelay === undefined ? {} : { lockDelay: options.lockDelay }),
  }
  checkSessionOptions(sessionOptions, options.sessionOptions === undefined ? '' : 'sessionOptions.')
  return {
    key,
    value: options.value ?? null,
    session: options.session ?? null,
    sessionOptions,
    sessionTTLMs:
      options.sessionOptions === undefined
        ? sessionTTLMs
        : sessionOptions.ttl === undefined
          ? 0
          : toMilliseconds(sessionOptions.ttl, 'sessionOptions.ttl'),
    lockWaitTimeMs: positiveMs(options.lockWaitTime ?? DEFAULT_LOCK_WAIT_TIME, 'lockWaitTime'),
    lockTryOnce: options.lockTryOnce ?? false,
    monitorRetries,
    monitorRetryTimeMs: positiveMs(
      options.monitorRetryTime ?? DEFAULT_MONITOR_RETRY_TIME,
      'monitorRetryTime',
    ),
    retryTimeMs: positiveMs(options.retryTime ?? DEFAULT_LOCK_RETRY_TIME, 'retryTime'),
  }
}
