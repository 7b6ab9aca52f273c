/**
 * What a listing of the semaphore's prefix means to a contender, to a holder and to `destroy`:
 * the decisions of Go's `Acquire`, `monitorLock` and `Destroy`, as pure functions the machine's
 * guards ask. Each decodes and prunes the record once per question; listings are small.
 */
import type { KVPair } from '../src/consul/types.js'
import type { SemaphoreLostReason } from '../src/errors.js'
import { SEMAPHORE_FLAG_VALUE } from './flags.js'
import {
  contenderKey,
  decodeRecord,
  findRecord,
  pruneDeadHolders,
  recordKey,
  type SemaphoreRecord,
  withHolder,
} from './semaphore-record.js'

/** What a contender makes of the prefix. */
export type ContenderView =
  /** `.lock` is not a semaphore record (a lock uses it, say): Go's `ErrSemaphoreConflict`. */
  | { kind: 'conflict'; flags: bigint }
  | { kind: 'undecodable'; error: Error }
  /** The record was written with another limit. */
  | { kind: 'limit-mismatch'; recordLimit: number }
  /** The record already lists our live session: the slot is ours again, without a write. */
  | { kind: 'holding'; holders: readonly string[] }
  /** Every slot is taken by a live session. */
  | { kind: 'full' }
  /** A slot is free: write `record` (ours added) if the record is still at `modifyIndex`. */
  | { kind: 'free'; record: SemaphoreRecord; modifyIndex: bigint }

/** What `destroy` makes of the prefix. */
export type DestroyView =
  | { kind: 'absent' }
  | { kind: 'conflict'; flags: bigint }
  | { kind: 'undecodable'; error: Error }
  /** Live sessions still hold slots. */
  | { kind: 'in-use' }
  /** Nobody alive holds a slot: delete the record if it is still at `modifyIndex`. */
  | { kind: 'free'; modifyIndex: bigint }

/** Why a holder no longer holds (or `holding`: it still does). */
export type HolderView =
  | 'holding'
  | Extract<SemaphoreLostReason, 'key-deleted' | 'session-invalidated' | 'evicted'>

/** Who is asking, and with which limit. */
export interface Contender {
  prefix: string
  limit: number
  session: string
}

type Decoded = { ok: true; record: SemaphoreRecord } | { ok: false; error: Error }

function decodeLive(pair: KVPair, pairs: readonly KVPair[], limit: number): Decoded {
  try {
    return { ok: true, record: pruneDeadHolders(decodeRecord(pair, limit), pairs) }
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) }
  }
}

/** Go's `Acquire` loop, one listing: conflict, limit, then a slot of our own, a wait or a claim. */
export function viewAsContender(pairs: readonly KVPair[], contender: Contender): ContenderView {
  const pair = findRecord(pairs, contender.prefix)
  if (pair.flags !== SEMAPHORE_FLAG_VALUE) return { kind: 'conflict', flags: pair.flags }
  const decoded = decodeLive(pair, pairs, contender.limit)
  if (!decoded.ok) return { kind: 'undecodable', error: decoded.error }
  const { record } = decoded
  if (record.limit !== contender.limit) return { kind: 'limit-mismatch', recordLimit: record.limit }
  if (record.holders.includes(contender.session)) return { kind: 'holding', holders: record.holders }
  if (record.holders.length >= record.limit) return { kind: 'full' }
  return { kind: 'free', record: withHolder(record, contender.session), modifyIndex: pair.modifyIndex }
}

/**
 * Go's `monitorLock`, one consistent listing. Flags and limit are not checked again (as in Go);
 * an undecodable record counts as an eviction.
 */
export function viewAsHolder(pairs: readonly KVPair[], holder: Omit<Contender, 'limit'>): HolderView {
  const record = pairs.find((pair) => pair.key === recordKey(holder.prefix))
  if (record === undefined) return 'key-deleted'
  const ownKey = pairs.find((pair) => pair.key === contenderKey(holder.prefix, holder.session))
  if (ownKey?.session !== holder.session) return 'session-invalidated'
  // The limit only fills in a record without a value, which lists nobody anyway.
  const decoded = decodeLive(record, pairs, 0)
  return decoded.ok && decoded.record.holders.includes(holder.session) ? 'holding' : 'evicted'
}

/** Go's `Destroy`: only a semaphore record that no live session holds is deleted. */
export function viewAsDestroyer(pairs: readonly KVPair[], prefix: string): DestroyView {
  const pair = findRecord(pairs, prefix)
  if (pair.modifyIndex === 0n) return { kind: 'absent' }
  if (pair.flags !== SEMAPHORE_FLAG_VALUE) return { kind: 'conflict', flags: pair.flags }
  const decoded = decodeLive(pair, pairs, 0)
  if (!decoded.ok) return { kind: 'undecodable', error: decoded.error }
  return decoded.record.holders.length > 0
    ? { kind: 'in-use' }
    : { kind: 'free', modifyIndex: pair.modifyIndex }
}
