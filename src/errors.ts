/**
 * Error classes with stable `code`s.
 *
 * `instanceof` works across duplicate copies of this package (an ESM and a CJS copy, or two
 * versions in one tree): each class checks a brand stored under a registered symbol instead of
 * the prototype chain, as undici does.
 */

const brandOf = (name: string): symbol => Symbol.for(`consul-lock-machine.error.${name}`)

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
}

/** An error class with the brand its instances carry. */
interface BrandedClass {
  readonly brand: symbol
}

/** The base of every error this package throws on purpose. */
export class ConsulLockMachineError extends Error {
  /** The registered symbol instances of exactly this class carry. Each subclass declares its own. */
  static readonly brand: symbol = brandOf('ConsulLockMachineError')

  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class right of `instanceof`, so every subclass inherits this check.
    return hasBrand(value, this.brand)
  }

  /** A stable, machine-readable identifier such as `ECONSUL` or `EINVALIDOPTION`. */
  readonly code: string

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ConsulLockMachineError'
    this.code = code
    // Brand the instance for its class and every error class above it.
    for (let type: unknown = new.target; type !== Error; type = Object.getPrototypeOf(type)) {
      Object.defineProperty(this, (type as BrandedClass).brand, { value: true, enumerable: false })
    }
  }
}

/** How much of a response body goes into an error's message; `body` always has all of it. */
const MESSAGE_BODY_LIMIT = 512

/**
 * Consul answered with a non-success status. Carries the status, the response body, the method
 * and the request path (with its query string). The ACL token never appears in any of them: it
 * only travels in the `X-Consul-Token` header.
 */
export class ConsulError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('ConsulError')

  readonly status: number
  readonly body: string
  readonly method: string
  readonly path: string
  /** True for answers worth retrying: 5xx (leader loss, consistency failures) and 429 rate limits. */
  readonly retryable: boolean

  constructor(details: { status: number; body: string; method: string; path: string }) {
    const body = details.body.trim()
    const shown = body.length > MESSAGE_BODY_LIMIT ? `${body.slice(0, MESSAGE_BODY_LIMIT)}…` : body
    super(
      'ECONSUL',
      `${details.method} ${details.path}: Unexpected response code: ${details.status}${shown ? ` (${shown})` : ''}`,
    )
    this.name = 'ConsulError'
    this.status = details.status
    this.body = details.body
    this.method = details.method
    this.path = details.path
    this.retryable = details.status >= 500 || details.status === 429
  }
}

/**
 * The request never got an HTTP answer: connection refused or reset, TLS failure, timeout. The
 * underlying error is the `cause`. Always retryable.
 */
export class ConsulTransportError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('ConsulTransportError')

  readonly method: string
  readonly path: string
  readonly retryable = true

  constructor(details: { method: string; path: string; cause: unknown }) {
    const reason = details.cause instanceof Error ? details.cause.message : String(details.cause)
    super('ECONSULTRANSPORT', `${details.method} ${details.path}: ${reason}`, { cause: details.cause })
    this.name = 'ConsulTransportError'
    this.method = details.method
    this.path = details.path
  }
}

/** An option was rejected before any request was sent. `option` names it. */
export class InvalidOptionError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('InvalidOptionError')

  readonly option: string

  constructor(option: string, problem: string) {
    super('EINVALIDOPTION', `Invalid option '${option}': ${problem}`)
    this.name = 'InvalidOptionError'
    this.option = option
  }
}

/**
 * The `Consul` client was closed with `close()`: requests still in flight are cancelled with
 * this error, and later calls reject with it. Not retryable on the same client.
 */
export class ClientClosedError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('ClientClosedError')

  constructor() {
    super('ECLIENTCLOSED', 'The Consul client is closed; create a new one to send more requests.')
    this.name = 'ClientClosedError'
  }
}

/**
 * True when retrying the same request may succeed: transport errors (no answer: refused, reset,
 * timed out, malformed body), 5xx answers (leader lost, `Not ready to serve consistent reads`)
 * and 429 rate limits. 4xx answers (bad request, ACL denied, not found) are not: the same request
 * would fail the same way. Aborts and {@link ClientClosedError} are not retryable either.
 *
 * Go's `api.IsRetryableError` covers network errors and 500s only; 502/503/504 (a proxy in front
 * of Consul) and 429 are added here. As Go warns, a write that failed this way may still have
 * been applied: retry only writes that are safe to repeat (an acquire by the same session, a
 * CAS, a session destroy).
 *
 * @example
 * ```ts
 * try {
 *   await consul.session.renew(id)
 * } catch (error) {
 *   if (!isRetryable(error)) throw error
 *   // back off and try again
 * }
 * ```
 */
export function isRetryable(error: unknown): boolean {
  return (error instanceof ConsulError || error instanceof ConsulTransportError) && error.retryable
}

/**
 * The lock is already held, or being acquired, through this `Lock` object: `acquire` while
 * pending or held, `destroy` while pending or held. Go's `ErrLockHeld` (`Lock already held`).
 */
export class LockHeldError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('LockHeldError')

  readonly key: string

  constructor(key: string, detail = 'Lock already held') {
    super('ELOCKHELD', `${detail}: '${key}'`)
    this.name = 'LockHeldError'
    this.key = key
  }
}

/** `release` was called while the lock is not held. Go's `ErrLockNotHeld` (`Lock not held`). */
export class LockNotHeldError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('LockNotHeldError')

  readonly key: string

  constructor(key: string) {
    super('ELOCKNOTHELD', `Lock not held: '${key}'`)
    this.name = 'LockNotHeldError'
    this.key = key
  }
}

/**
 * `destroy` found the key held by a session (or it changed under the check-and-set delete), so
 * it was left in place. Go's `ErrLockInUse` (`Lock in use`).
 */
export class LockInUseError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('LockInUseError')

  readonly key: string

  constructor(key: string) {
    super('ELOCKINUSE', `Lock in use: '${key}'`)
    this.name = 'LockInUseError'
    this.key = key
  }
}

/**
 * The key exists with `Flags` other than the lock flag value: it is not a lock key (or belongs to
 * a semaphore), so it was neither acquired nor deleted. Go's `ErrLockConflict`.
 */
export class LockConflictError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('LockConflictError')

  readonly key: string
  /** The flags found on the key. */
  readonly flags: bigint

  constructor(key: string, flags: bigint) {
    super('ELOCKCONFLICT', `Existing key does not match lock use: '${key}' has flags ${flags}`)
    this.name = 'LockConflictError'
    this.key = key
    this.flags = flags
  }
}

/**
 * Why a held lock stopped being held:
 * - `session-invalidated`: the session was destroyed or expired, or a health check it depends
 *   on failed (the key's session was cleared, or renewing answered 404);
 * - `key-deleted`: somebody deleted the key;
 * - `taken`: another session holds the key;
 * - `monitor-failed`: the key could not be read (after `monitorRetries` retries);
 * - `renew-failed`: no renewal succeeded within a TTL of the last good one being sent, so the
 *   server may expire the session soon;
 * - `released`: `release()` was called.
 */
export type LockLostReason =
  | 'session-invalidated'
  | 'key-deleted'
  | 'taken'
  | 'monitor-failed'
  | 'renew-failed'
  | 'released'

/** The reason a lease's `lost` signal aborts with. `reason` says why. */
export class LockLostError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('LockLostError')

  readonly key: string
  readonly reason: LockLostReason

  constructor(key: string, reason: LockLostReason) {
    super('ELOCKLOST', `Lock on '${key}' is no longer held: ${reason}`)
    this.name = 'LockLostError'
    this.key = key
    this.reason = reason
  }
}

/**
 * The semaphore is already held, or being acquired, through this `Semaphore` object. Go's
 * `ErrSemaphoreHeld` (`Semaphore already held`).
 */
export class SemaphoreHeldError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('SemaphoreHeldError')

  readonly prefix: string

  constructor(prefix: string, detail = 'Semaphore already held') {
    super('ESEMHELD', `${detail}: '${prefix}'`)
    this.name = 'SemaphoreHeldError'
    this.prefix = prefix
  }
}

/** `release` was called while no slot is held. Go's `ErrSemaphoreNotHeld` (`Semaphore not held`). */
export class SemaphoreNotHeldError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('SemaphoreNotHeldError')

  readonly prefix: string

  constructor(prefix: string) {
    super('ESEMNOTHELD', `Semaphore not held: '${prefix}'`)
    this.name = 'SemaphoreNotHeldError'
    this.prefix = prefix
  }
}

/**
 * `destroy` found live holders in the semaphore's `.lock` record (or the record changed under
 * the check-and-set delete), so it was left in place. Go's `ErrSemaphoreInUse`.
 */
export class SemaphoreInUseError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('SemaphoreInUseError')

  readonly prefix: string

  constructor(prefix: string) {
    super('ESEMINUSE', `Semaphore in use: '${prefix}'`)
    this.name = 'SemaphoreInUseError'
    this.prefix = prefix
  }
}

/**
 * `<prefix>/.lock` exists with `Flags` other than the semaphore flag value: a lock (such as
 * `consul lock -n 1`) uses it. Go's `ErrSemaphoreConflict`.
 */
export class SemaphoreConflictError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('SemaphoreConflictError')

  readonly prefix: string
  /** The flags found on `<prefix>/.lock`. */
  readonly flags: bigint

  constructor(prefix: string, flags: bigint) {
    super('ESEMCONFLICT', `Existing key does not match semaphore use: '${prefix}/.lock' has flags ${flags}`)
    this.name = 'SemaphoreConflictError'
    this.prefix = prefix
    this.flags = flags
  }
}

/**
 * The semaphore's `.lock` record has another `Limit` than this contender's: all contenders must
 * agree on it. The message is Go's, word for word.
 */
export class SemaphoreLimitError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('SemaphoreLimitError')

  readonly prefix: string
  /** The limit in the `.lock` record. */
  readonly recordLimit: number
  /** This contender's limit. */
  readonly localLimit: number

  constructor(prefix: string, recordLimit: number, localLimit: number) {
    super('ESEMLIMIT', `semaphore limit conflict (lock: ${recordLimit}, local: ${localLimit})`)
    this.name = 'SemaphoreLimitError'
    this.prefix = prefix
    this.recordLimit = recordLimit
    this.localLimit = localLimit
  }
}

/**
 * Why a held semaphore slot stopped being held:
 * - `session-invalidated`: the session was destroyed or expired (its contender key went with it);
 * - `key-deleted`: the `.lock` record was deleted (for instance with the whole prefix);
 * - `evicted`: the `.lock` record was rewritten without this session;
 * - `monitor-failed`, `renew-failed`, `released`: as for a lock.
 */
export type SemaphoreLostReason =
  | 'session-invalidated'
  | 'key-deleted'
  | 'evicted'
  | 'monitor-failed'
  | 'renew-failed'
  | 'released'

/** The reason a semaphore lease's `lost` signal aborts with. `reason` says why. */
export class SemaphoreLostError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('SemaphoreLostError')

  readonly prefix: string
  readonly reason: SemaphoreLostReason

  constructor(prefix: string, reason: SemaphoreLostReason) {
    super('ESEMLOST', `Semaphore slot on '${prefix}' is no longer held: ${reason}`)
    this.name = 'SemaphoreLostError'
    this.prefix = prefix
    this.reason = reason
  }
}

/**
 * `proclaim` (or a fenced call of an election) found that this candidate no longer leads: the
 * election's key is not held by its session. The `cause` is the `LockLostError` saying why, when
 * this candidate had led.
 */
export class NotLeaderError extends ConsulLockMachineError {
  static override readonly brand: symbol = brandOf('NotLeaderError')

  readonly key: string

  constructor(key: string, options?: ErrorOptions) {
    super('ENOTLEADER', `Not the leader of '${key}'`, options)
    this.name = 'NotLeaderError'
    this.key = key
  }
}
