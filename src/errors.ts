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

function setBrand(target: object, brand: symbol): void {
  Object.defineProperty(target, brand, { value: true, enumerable: false })
}

const kBaseError = brandOf('ConsulLockMachineError')

/** The base of every error this package throws on purpose. */
export class ConsulLockMachineError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, kBaseError)
  }

  /** A stable, machine-readable identifier such as `ECONSUL` or `EINVALIDOPTION`. */
  readonly code: string

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = 'ConsulLockMachineError'
    this.code = code
    setBrand(this, kBaseError)
  }
}

const kConsulError = brandOf('ConsulError')

/** How much of a response body goes into an error's message; `body` always has all of it. */
const MESSAGE_BODY_LIMIT = 512

/**
 * Consul answered with a non-success status. Carries the status, the response body, the method
 * and the request path (with its query string). The ACL token never appears in any of them: it
 * only travels in the `X-Consul-Token` header.
 */
export class ConsulError extends ConsulLockMachineError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, kConsulError)
  }

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
    setBrand(this, kConsulError)
  }
}

const kTransportError = brandOf('ConsulTransportError')

/**
 * The request never got an HTTP answer: connection refused or reset, TLS failure, timeout. The
 * underlying error is the `cause`. Always retryable.
 */
export class ConsulTransportError extends ConsulLockMachineError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, kTransportError)
  }

  readonly method: string
  readonly path: string
  readonly retryable = true

  constructor(details: { method: string; path: string; cause: unknown }) {
    const reason = details.cause instanceof Error ? details.cause.message : String(details.cause)
    super('ECONSULTRANSPORT', `${details.method} ${details.path}: ${reason}`, { cause: details.cause })
    this.name = 'ConsulTransportError'
    this.method = details.method
    this.path = details.path
    setBrand(this, kTransportError)
  }
}

const kInvalidOptionError = brandOf('InvalidOptionError')

/** An option was rejected before any request was sent. `option` names it. */
export class InvalidOptionError extends ConsulLockMachineError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, kInvalidOptionError)
  }

  readonly option: string

  constructor(option: string, problem: string) {
    super('EINVALIDOPTION', `Invalid option '${option}': ${problem}`)
    this.name = 'InvalidOptionError'
    this.option = option
    setBrand(this, kInvalidOptionError)
  }
}

const kClientClosedError = brandOf('ClientClosedError')

/**
 * The `Consul` client was closed with `close()`: requests still in flight are cancelled with
 * this error, and later calls reject with it. Not retryable on the same client.
 */
export class ClientClosedError extends ConsulLockMachineError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, kClientClosedError)
  }

  constructor() {
    super('ECLIENTCLOSED', 'The Consul client is closed; create a new one to send more requests.')
    this.name = 'ClientClosedError'
    setBrand(this, kClientClosedError)
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
