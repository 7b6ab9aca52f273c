import { goTimeQuote } from './quote.js'

/**
 * Go `time.Duration` parsing and formatting. Consul prints both in error bodies
 * (`Session TTL '10z' invalid: time: unknown unit "z" in duration "10z"`,
 * `must be between [10s=24h0m0s]`), so the texts must match Go exactly. Durations are
 * nanoseconds as `bigint` so that nothing is rounded.
 */

/** A parse error carrying Go's exact message. */
export class GoDurationError extends Error {
  override readonly name = 'GoDurationError'
}

export const NANOSECOND = 1n
export const MICROSECOND = 1000n
export const MILLISECOND = 1_000_000n
export const SECOND = 1_000_000_000n
export const MINUTE = 60n * SECOND
export const HOUR = 60n * MINUTE

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', NANOSECOND],
  ['us', MICROSECOND],
  ['µs', MICROSECOND], // U+00B5 micro sign
  ['μs', MICROSECOND], // U+03BC Greek small letter mu
  ['ms', MILLISECOND],
  ['s', SECOND],
  ['m', MINUTE],
  ['h', HOUR],
])

const TWO_63 = 1n << 63n
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'

/**
 * `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, e.g. `300ms`, `-1.5h`, `1h2m3.5s`.
 * `"0"` alone needs no unit.
 */
export function parseGoDuration(input: string): bigint {
  const invalid = (): never => {
    throw new GoDurationError(`time: invalid duration ${goTimeQuote(input)}`)
  }
  let s = input
  let negative = false
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    negative = s[0] === '-'
    s = s.slice(1)
  }
  if (s === '0') return 0n
  if (s === '') invalid()
  let total = 0n
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) invalid()
    // Integer part; Go fails (rather than saturating) when it exceeds 2^63.
    let i = 0
    let whole = 0n
    while (isDigit(s[i])) {
      if (whole > TWO_63 / 10n) invalid()
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48)
      if (whole > TWO_63) invalid()
      i++
    }
    const hadWhole = i > 0
    s = s.slice(i)
    // Fraction; digits beyond int64 precision are consumed but ignored, as in Go.
    let fraction = 0n
    let scale = 1
    let hadFraction = false
    if (s[0] === '.') {
      s = s.slice(1)
      let j = 0
      let overflow = false
      while (isDigit(s[j])) {
        if (!overflow) {
          if (fraction > (TWO_63 - 1n) / 10n) overflow = true
          else {
            const next = fraction * 10n + BigInt(s.charCodeAt(j) - 48)
            if (next > TWO_63) overflow = true
            else {
              fraction = next
              scale *= 10
            }
          }
        }
        j++
      }
      hadFraction = j > 0
      s = s.slice(j)
    }
    if (!hadWhole && !hadFraction) invalid()
    let u = 0
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++
    if (u === 0) throw new GoDurationError(`time: missing unit in duration ${goTimeQuote(input)}`)
    const unitName = s.slice(0, u)
    s = s.slice(u)
    const unit = UNITS.get(unitName)
    if (unit === undefined) {
      throw new GoDurationError(
        `time: unknown unit ${goTimeQuote(unitName)} in duration ${goTimeQuote(input)}`,
      )
    }
    if (whole > TWO_63 / unit) invalid()
    let value = whole * unit
    if (fraction > 0n) {
      // Go uses float64 here too ("nanosecond accurate for fractions of hours").
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)))
      if (value > TWO_63) invalid()
    }
    total += value
    if (total > TWO_63) invalid()
  }
  if (negative) return -total
  if (total > TWO_63 - 1n) invalid()
  return total
}

/** Writes `v / 10^precision` as `.123` (trailing zeros and a zero fraction omitted). */
function formatFraction(v: bigint, precision: number): [string, bigint] {
  let digits = ''
  let printed = false
  for (let i = 0; i < precision; i++) {
    const digit = v % 10n
    printed ||= digit !== 0n
    if (printed) digits = digit.toString() + digits
    v /= 10n
  }
  return [printed ? `.${digits}` : '', v]
}

/** `time.Duration.String()`: `0s`, `1.5µs`, `200ms`, `10s`, `1h2m3.5s`, `24h0m0s`. */
export function formatGoDuration(duration: bigint): string {
  const negative = duration < 0n
  let u = negative ? -duration : duration
  let text: string
  if (u < SECOND) {
    if (u === 0n) return '0s'
    let unit: string
    let precision: number
    if (u < MICROSECOND) {
      unit = 'ns'
      precision = 0
    } else if (u < MILLISECOND) {
      unit = 'µs'
      precision = 3
    } else {
      unit = 'ms'
      precision = 6
    }
    const [fraction, rest] = formatFraction(u, precision)
    text = `${rest}${fraction}${unit}`
  } else {
    const [fraction, seconds] = formatFraction(u, 9)
    u = seconds
    text = `${u % 60n}${fraction}s`
    u /= 60n
    if (u > 0n) {
      text = `${u % 60n}m${text}`
      u /= 60n
      if (u > 0n) text = `${u}h${text}`
    }
  }
  return negative ? `-${text}` : text
}

/**
 * Option helper: a Go duration string or a number of milliseconds, to nanoseconds.
 * Throws a `GoDurationError` for bad strings and a `RangeError` for bad numbers.
 */
export function durationOption(value: string | number, name: string): bigint {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0)
      throw new RangeError(`${name} must be a non-negative number of ms`)
    return BigInt(Math.round(value * 1e6))
  }
  return parseGoDuration(value)
}

/** Nanoseconds to milliseconds for timers (fractions kept). */
export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6
}
