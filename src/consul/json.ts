/**
 * Lossless JSON for Consul bodies: every JSON integer is read as a `bigint` (so uint64 `Flags`
 * and indexes above 2^53 keep every digit) and `bigint`s are written as exact JSON numbers.
 *
 * Also the small readers that turn Consul's PascalCase objects into checked values; a body of the
 * wrong shape throws {@link MalformedResponseError}, which the transport reports as a transport
 * error.
 *
 * @internal
 */
import { isInteger, parse, stringify } from 'lossless-json'

/** The response body was not the JSON Consul sends for this endpoint. */
export class MalformedResponseError extends Error {
  constructor(problem: string) {
    super(`malformed response body: ${problem}`)
    this.name = 'MalformedResponseError'
  }
}

/** Parses JSON, reading integers as `bigint` and other numbers as `number`. */
export function parseJson(text: string): unknown {
  try {
    return parse(text, null, (digits) => (isInteger(digits) ? BigInt(digits) : Number.parseFloat(digits)))
  } catch (error) {
    throw new MalformedResponseError(error instanceof Error ? error.message : String(error))
  }
}

/** Serialises JSON; `bigint`s become exact JSON numbers. */
export function stringifyJson(value: unknown): string {
  return stringify(value) ?? 'null'
}

export type JsonObject = Readonly<Record<string, unknown>>

export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedResponseError(`${what} is not an object`)
  }
  return value as JsonObject
}

export function asArray(value: unknown, what: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new MalformedResponseError(`${what} is not an array`)
  return value
}

/** An array, or `[]` for `null`/absent (Go encodes a nil slice as `null`). */
export function asArrayOrEmpty(value: unknown, what: string): readonly unknown[] {
  return value === null || value === undefined ? [] : asArray(value, what)
}

export function readString(object: JsonObject, field: string): string {
  const value = object[field]
  if (typeof value !== 'string') throw new MalformedResponseError(`${field} is not a string`)
  return value
}

export function readOptionalString(object: JsonObject, field: string): string | undefined {
  const value = object[field]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new MalformedResponseError(`${field} is not a string`)
  return value
}

/** An unsigned integer field, exact; absent or `null` reads as `0n` (Go's zero value). */
export function readUint(object: JsonObject, field: string): bigint {
  const value = object[field]
  if (value === undefined || value === null) return 0n
  if (typeof value !== 'bigint' || value < 0n) {
    throw new MalformedResponseError(`${field} is not an unsigned integer`)
  }
  return value
}

export function readInt(object: JsonObject, field: string): bigint {
  const value = object[field]
  if (value === undefined || value === null) return 0n
  if (typeof value !== 'bigint') throw new MalformedResponseError(`${field} is not an integer`)
  return value
}

/** A base64 field (Go `[]byte`) as a `Buffer`; `null`/absent reads as `null`. */
export function readBase64(object: JsonObject, field: string): Buffer | null {
  const value = object[field]
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') throw new MalformedResponseError(`${field} is not a base64 string`)
  return Buffer.from(value, 'base64')
}
