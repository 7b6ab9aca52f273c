/**
 * What `consul-lock status <prefix>` reports, read from Consul: the `<prefix>/.lock` key decides
 * whether the prefix is a lock (Go's `LockFlagValue`), a semaphore (`SemaphoreFlagValue`: then
 * the whole prefix is listed for the holders), something else, or nothing; every session named
 * is looked up for its node, name and TTL.
 */
import { LOCK_FLAG_VALUE, SEMAPHORE_FLAG_VALUE } from '../../../machines/index.js'
import type { Consul, KVPair, ReadOptions, SessionEntry } from '../../index.js'
import { type SemaphoreHolders, semaphoreHolders } from './semaphore-holders.js'

/** A session as found: its entry, or `null` when it vanished between the reads. */
export type SessionLookup = SessionEntry | null

export type PrefixStatus =
  /** No `<prefix>/.lock`: nobody holds anything there. */
  | { kind: 'none'; prefix: string; key: string }
  /** A lock key; `holder` is absent when the key is free. */
  | { kind: 'lock'; prefix: string; key: string; pair: KVPair; holder?: SessionLookup }
  /** A semaphore: its record, holders and waiting contenders, and their sessions. */
  | {
      kind: 'semaphore'
      prefix: string
      key: string
      pair: KVPair
      slots: SemaphoreHolders
      sessions: ReadonlyMap<string, SessionLookup>
    }
  /** A `.lock` key with other flags: neither a lock nor a semaphore. */
  | { kind: 'other'; prefix: string; key: string; pair: KVPair }

export async function readPrefixStatus(
  consul: Consul,
  prefix: string,
  read: ReadOptions,
): Promise<PrefixStatus> {
  const key = `${prefix}/.lock`
  const { value: pair } = await consul.kv.get(key, read)
  if (pair === null) return { kind: 'none', prefix, key }
  if (pair.flags === LOCK_FLAG_VALUE) {
    if (pair.session === undefined) return { kind: 'lock', prefix, key, pair }
    return { kind: 'lock', prefix, key, pair, holder: await lookUp(consul, pair.session, read) }
  }
  if (pair.flags !== SEMAPHORE_FLAG_VALUE) return { kind: 'other', prefix, key, pair }
  const { value: pairs } = await consul.kv.list(`${prefix}/`, read)
  const slots = semaphoreHolders(prefix, pairs)
  const named = [...slots.holders, ...slots.waiting].map((contender) => contender.session)
  const sessions = new Map(
    await Promise.all(named.map(async (session) => [session, await lookUp(consul, session, read)] as const)),
  )
  // The record read with the listing is the one the holders were computed from.
  const record = pairs.find((listed) => listed.key === key) ?? pair
  return { kind: 'semaphore', prefix, key, pair: record, slots, sessions }
}

async function lookUp(consul: Consul, session: string, read: ReadOptions): Promise<SessionLookup> {
  return (await consul.session.info(session, read)).value
}
