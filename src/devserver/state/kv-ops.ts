import { goQuote } from '../go/quote.js'
import type { KvEntry } from './kv.js'
import { StateError, type Store } from './store.js'

/**
 * The KV write operations as Consul's state store runs them inside an apply. Shared by the
 * KV endpoint and the txn endpoint so both have identical semantics.
 */

export interface KvWrite {
  readonly key: string
  readonly value: Buffer | null
  readonly flags: bigint
}

/** `KVSet`: Session is preserved (cannot be set or cleared here), LockIndex resets to 0. */
export function kvSet(store: Store, index: number, write: KvWrite): KvEntry {
  const session = store.kv.get(write.key)?.session ?? ''
  return store.kv.write(index, { ...write, session, lockIndex: 0 })
}

/** `KVCAS`: `cas=0` writes only a new key; `cas=N` only if ModifyIndex is N. */
export function kvCas(store: Store, index: number, write: KvWrite, cas: bigint): KvEntry | undefined {
  const existing = store.kv.get(write.key)
  if (cas === 0n ? existing !== undefined : existing === undefined || BigInt(existing.modifyIndex) !== cas) {
    return undefined
  }
  return kvSet(store, index, write)
}

/** `KVLock`: acquire for `session`; undefined when another session holds the key. */
export function kvLock(store: Store, index: number, write: KvWrite, session: string): KvEntry | undefined {
  if (session === '') throw new StateError('missing session')
  if (store.getSession(session) === undefined)
    // Go formats this with %#v, which quotes a string like %q.
    throw new StateError(`invalid session ${goQuote(session)}`)
  const existing = store.kv.get(write.key)
  let lockIndex = 1
  if (existing !== undefined) {
    if (existing.session === session) lockIndex = existing.lockIndex
    else if (existing.session !== '') return undefined
    else lockIndex = existing.lockIndex + 1
  }
  return store.kv.write(index, { ...write, session, lockIndex })
}

/** `KVUnlock`: release by the holder; the body and flags of the release are written too. */
export function kvUnlock(store: Store, index: number, write: KvWrite, session: string): KvEntry | undefined {
  if (session === '') throw new StateError('missing session')
  const existing = store.kv.get(write.key)
  if (existing === undefined || existing.session !== session) return undefined
  return store.kv.write(index, { ...write, session: '', lockIndex: existing.lockIndex })
}

/** `KVDeleteCAS`: true when the key is missing or its ModifyIndex is `cas`. */
export function kvDeleteCas(store: Store, index: number, key: string, cas: bigint): boolean {
  const existing = store.kv.get(key)
  if (existing === undefined) return true
  if (BigInt(existing.modifyIndex) !== cas) return false
  store.kv.delete(index, key)
  return true
}
