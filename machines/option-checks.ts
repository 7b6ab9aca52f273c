/**
 * The checks the lock and the semaphore options share. Each throws an `InvalidOptionError`
 * naming the option, so a bad option is reported before any request is sent.
 */
import { type Duration, toMilliseconds } from '../src/consul/duration.js'
import { InvalidOptionError } from '../src/errors.js'

/**
 * Checks that `options` is an object and that it names only `known` options. An unknown name
 * is reported first: it is most often a misspelt option, whose value would otherwise be ignored.
 */
export function checkOptionNames(
  options: unknown,
  known: ReadonlySet<string>,
  expected: string,
  kind: string,
): asserts options is Record<string, unknown> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', `must be an object with at least ${expected}`)
  }
  for (const name of Object.keys(options)) {
    if (!known.has(name)) throw new InvalidOptionError(name, `is not a ${kind} option`)
  }
}

/** A duration greater than 0, in ms. */
export function positiveMs(value: Duration, option: string): number {
  const ms = toMilliseconds(value, option)
  if (ms === 0) throw new InvalidOptionError(option, 'must be greater than 0')
  return ms
}

/** The caller's session ID, if given: a non-empty string. */
export function checkSession(session: unknown): void {
  if (session !== undefined && (typeof session !== 'string' || session === '')) {
    throw new InvalidOptionError('session', 'must be a non-empty session ID')
  }
}

/** An optional string option. */
export function checkOptionalString(value: unknown, option: string): void {
  if (value !== undefined && typeof value !== 'string')
    throw new InvalidOptionError(option, 'must be a string')
}

/** An optional boolean option. */
export function checkOptionalBoolean(value: unknown, option: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidOptionError(option, 'must be a boolean')
  }
}

/** `monitorRetries`: a count, 0 (Go's default) when absent. */
export function monitorRetriesOf(value: unknown): number {
  const retries = value ?? 0
  if (typeof retries !== 'number' || !Number.isSafeInteger(retries) || retries < 0) {
    throw new InvalidOptionError('monitorRetries', 'must be a non-negative integer')
  }
  return retries
}
