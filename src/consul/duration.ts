/**
 * Durations in options: Go duration strings (`'15s'`, `'1m30s'`, `'250ms'`) or milliseconds.
 *
 * Consul parses durations with Go's `time.ParseDuration`, so options accept the same syntax and
 * are converted here, once, before any request is sent.
 */
import { InvalidOptionError } from '../errors.js'

/**
 * A duration: a Go duration string such as `'15s'`, `'1m30s'` or `'250ms'`, or a number of
 * milliseconds.
 *
 * @example
 * ```ts
 * await consul.kv.get('service/leader', { index, wait: '30s' })
 * await consul.kv.get('service/leader', { index, wait: 30_000 })
 * ```
 */
export type Duration = string | number

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3, // U+00B5 micro sign
  μs: 1e-3, // U+03BC Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

const COMPONENT = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/

/**
 * Parses a Go duration string (`time.ParseDuration` syntax) into milliseconds, or returns
 * `undefined` when the text is not a valid duration.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text
  let sign = 1
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1
    rest = rest.slice(1)
  }
  // Go accepts a bare "0" (and only zero) without a unit.
  if (rest === '0') return 0
  if (rest === '') return undefined
  let total = 0
  while (rest !== '') {
    const match = COMPONENT.exec(rest)
    if (!match) return undefined
    const [whole, integer = '', fraction = '', unit = ''] = match
    if (integer === '' && fraction === '') return undefined
    const value = Number(`${integer || '0'}.${fraction || '0'}`)
    total += value * (UNIT_MS[unit] ?? Number.NaN)
    rest = rest.slice(whole.length)
  }
  return Number.isFinite(total) ? sign * total : undefined
}

/**
 * Converts a {@link Duration} option to milliseconds, rejecting malformed, negative and
 * non-finite values with an {@link InvalidOptionError} that names `option`.
 *
 * @internal
 */
export function toMilliseconds(value: Duration, option: string): number {
  let ms: number | undefined
  if (typeof value === 'number') {
    ms = value
  } else if (typeof value === 'string') {
    ms = parseGoDuration(value)
    if (ms === undefined) {
      throw new InvalidOptionError(
        option,
        `'${value}' is not a duration (use e.g. '15s', '250ms' or milliseconds)`,
      )
    }
  } else {
    throw new InvalidOptionError(option, 'must be a Go duration string or a number of milliseconds')
  }
  if (!Number.isFinite(ms) || ms < 0) {
    throw new InvalidOptionError(option, `must be a finite, non-negative duration, got ${String(value)}`)
  }
  return ms
}

/**
 * Formats milliseconds as Go's `api` client does for `wait` and `LockDelay`: whole
 * milliseconds with an `ms` suffix, where a positive value below 1 ms becomes `1ms` (a `0ms`
 * would mean "server default" to Consul, the opposite of what a tiny positive value asks for).
 *
 * @internal
 */
export function formatMillisecondsForConsul(ms: number): string {
  const whole = Math.floor(ms)
  return `${ms > 0 && whole === 0 ? 1 : whole}ms`
}

/**
 * Formats milliseconds as a short, exact Go duration string: `15s`, `1500ms`, `250us`.
 *
 * @internal
 */
export function formatGoDuration(ms: number): string {
  if (Number.isInteger(ms)) return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
  return `${Math.round(ms * 1000)}us`
}
