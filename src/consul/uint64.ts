/**
 * Validation of uint64 inputs (`flags`, `cas`, `index`): a `bigint` in [0, 2^64 - 1], or a safe
 * non-negative integer `number`. Larger numbers are refused: they were rounded before reaching us.
 *
 * @internal
 */
import { InvalidOptionError } from '../errors.js'
import type { Uint64Input } from './types.js'

export const MAX_UINT64 = 0xffff_ffff_ffff_ffffn

export function toUint64(value: Uint64Input, option: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n || value > MAX_UINT64) {
      throw new InvalidOptionError(option, `must be between 0 and 18446744073709551615, got ${value}`)
    }
    return value
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidOptionError(
        option,
        `must be a non-negative safe integer or a bigint, got ${value} (pass large values as bigint, e.g. 3304740253564472344n)`,
      )
    }
    return BigInt(value)
  }
  throw new InvalidOptionError(option, 'must be a bigint or a non-negative integer')
}
