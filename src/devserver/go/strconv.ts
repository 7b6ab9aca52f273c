import { goQuote } from './quote.js'

const MAX_UINT64 = 0xffff_ffff_ffff_ffffn

/** An error whose message is exactly what Go's `strconv` would print. */
export class GoStrconvError extends Error {
  override readonly name = 'GoStrconvError'
}

/**
 * `strconv.ParseUint(text, 10, 64)` with Go's error texts: digits only (no sign, no
 * underscores); the first offending byte decides between `invalid syntax` and
 * `value out of range`, exactly as Go scans left to right.
 */
export function parseUint64(text: string): bigint {
  const fail = (reason: string): never => {
    throw new GoStrconvError(`strconv.ParseUint: parsing ${goQuote(text)}: ${reason}`)
  }
  if (text === '') fail('invalid syntax')
  let value = 0n
  for (const char of text) {
    if (char < '0' || char > '9') fail('invalid syntax')
    value = value * 10n + BigInt(char.charCodeAt(0) - 48)
    if (value > MAX_UINT64) fail('value out of range')
  }
  return value
}

/** `strconv.Atoi` acceptance (optional sign, decimal digits, int64 range); `undefined` on error. */
export function parseGoInt(text: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(text)) return undefined
  const value = BigInt(text)
  return value >= -(2n ** 63n) && value < 2n ** 63n ? value : undefined
}
