/**
 * Go's `flag.Int` reads its value with `strconv.ParseInt(text, 0, 64)`: base 0 means the
 * prefix decides (`0x`/`0X` hex, `0b`/`0B` binary, `0o`/`0O` or a bare leading `0` octal,
 * otherwise decimal), and `_` may separate digits (`1_000`, `0x_ff`).
 */

const RADIX_OF_PREFIX: Readonly<Record<string, number>> = { b: 2, o: 8, x: 16 }

/**
 * The integer `text` stands for, as Go's `flag.Int` reads it; `'syntax'` when it is not one,
 * `'range'` when it is too large to be exact here (Go's limit is int64; ours is 2^53 - 1).
 */
export function parseGoInt(text: string): number | 'syntax' | 'range' {
  const sign = text.startsWith('-') ? -1n : 1n
  const unsigned = /^[+-]/.test(text) ? text.slice(1) : text
  const prefix = /^0[box]/i.exec(unsigned)?.[0]
  const radix = prefix
    ? (RADIX_OF_PREFIX[(prefix[1] as string).toLowerCase()] as number)
    : /^0./.test(unsigned)
      ? 8
      : 10
  // A base prefix counts as a digit before an underscore; a bare leading 0 is itself a digit.
  const digits = unsigned.slice(prefix ? 2 : 0)
  const digit = radix === 16 ? '[0-9a-f]' : radix === 10 ? '[0-9]' : `[0-${radix - 1}]`
  const separated = new RegExp(`^${prefix ? '_?' : ''}${digit}+(_${digit}+)*$`, 'i')
  if (!separated.test(digits)) return 'syntax'
  const value = sign * parseBigInt(digits.replaceAll('_', ''), radix)
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) return 'range'
  return Number(value)
}

function parseBigInt(digits: string, radix: number): bigint {
  let value = 0n
  for (const char of digits.toLowerCase())
    value = value * BigInt(radix) + BigInt(Number.parseInt(char, radix))
  return value
}
