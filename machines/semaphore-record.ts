/**
 * The semaphore's coordination record `<prefix>/.lock`, as Go's `api/semaphore.go` reads and
 * writes it: `{"Limit":2,"Holders":{"<session>":true}}`, flags `SEMAPHORE_FLAG_VALUE`, changed
 * only by check-and-set. Pure functions: no I/O, no clock.
 */
import type { KVPair } from '../src/consul/types.js'
import { ConsulLockMachineError } from '../src/errors.js'
import { SEMAPHORE_FLAG_VALUE } from './flags.js'

/** The name of the record under the prefix: Go's `DefaultSemaphoreKey`. */
export const SEMAPHORE_RECORD_NAME = '.lock'

/** The decoded record: the limit every contender agreed on, and the sessions holding a slot. */
export interface SemaphoreRecord {
  limit: number
  /** Session IDs, sorted. */
  holders: readonly string[]
}

/** The key of a semaphore's record. */
export function recordKey(prefix: string): string {
  return `${prefix}/${SEMAPHORE_RECORD_NAME}`
}

/** The key a contender writes, locked with its session (Go's `path.Join(prefix, session)`). */
export function contenderKey(prefix: string, session: string): string {
  return `${prefix}/${session}`
}

/**
 * The record among the pairs listed under the prefix. A missing record comes back as Go's
 * stand-in: the semaphore flags, no value and ModifyIndex 0, so it passes the flag check, decodes
 * as empty, and the first check-and-set write creates it only if it is still absent.
 */
export function findRecord(pairs: readonly KVPair[], prefix: string): KVPair {
  const key = recordKey(prefix)
  return (
    pairs.find((pair) => pair.key === key) ?? {
      key,
      value: null,
      flags: SEMAPHORE_FLAG_VALUE,
      lockIndex: 0n,
      createIndex: 0n,
      modifyIndex: 0n,
    }
  )
}

/** The record's value is not the JSON Go writes (Go's `lock decoding failed: …`). */
export function recordDecodingError(detail: string): ConsulLockMachineError {
  return new ConsulLockMachineError('ESEMRECORD', `lock decoding failed: ${detail}`)
}

function holdersOf(value: unknown): string[] {
  if (value === undefined || value === null) return []
  if (typeof value !== 'object' || Array.isArray(value)) throw recordDecodingError('Holders is not an object')
  const entries = Object.entries(value)
  if (entries.some(([, held]) => typeof held !== 'boolean')) {
    throw recordDecodingError('a Holders entry is not a boolean')
  }
  // Go tests membership, not the value: an entry counts whatever its boolean.
  return entries.map(([session]) => session).sort()
}

/**
 * Decodes the record. A record without a value (such as the stand-in for a missing one) is empty
 * and takes `localLimit`; a value that is not Go's JSON throws `ESEMRECORD`.
 */
export function decodeRecord(pair: KVPair, localLimit: number): SemaphoreRecord {
  if (pair.value === null) return { limit: localLimit, holders: [] }
  let json: unknown
  try {
    json = JSON.parse(pair.value.toString('utf8'))
  } catch (error) {
    throw recordDecodingError(error instanceof Error ? error.message : String(error))
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw recordDecodingError('the value is not a JSON object')
  }
  const { Limit: limit = 0, Holders: holders } = json as { Limit?: unknown; Holders?: unknown }
  // Go's `Limit int`: a missing limit is 0 (and then conflicts), a fraction does not decode.
  if (typeof limit !== 'number' || !Number.isInteger(limit))
    throw recordDecodingError('Limit is not an integer')
  return { limit, holders: holdersOf(holders) }
}

/** The record as Go's `json.Marshal` writes it: its field names, holders sorted, each `true`. */
export function encodeRecord(record: SemaphoreRecord): string {
  const holders = Object.fromEntries([...record.holders].sort().map((session) => [session, true]))
  return JSON.stringify({ Limit: record.limit, Holders: holders })
}

/**
 * The record without the holders that are gone: a holder is alive while some key under the
 * prefix (its contender key) carries its session, as Go's `pruneDeadHolders` decides.
 */
export function pruneDeadHolders(record: SemaphoreRecord, pairs: readonly KVPair[]): SemaphoreRecord {
  const alive = new Set(pairs.flatMap((pair) => (pair.session === undefined ? [] : [pair.session])))
  return { ...record, holders: record.holders.filter((session) => alive.has(session)) }
}

/** The record with `session` among its holders. */
export function withHolder(record: SemaphoreRecord, session: string): SemaphoreRecord {
  if (record.holders.includes(session)) return record
  return { ...record, holders: [...record.holders, session].sort() }
}

/** The record without `session` among its holders. */
export function withoutHolder(record: SemaphoreRecord, session: string): SemaphoreRecord {
  return { ...record, holders: record.holders.filter((holder) => holder !== session) }
}
