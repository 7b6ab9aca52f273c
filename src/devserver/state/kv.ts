import { compareKeys } from './keys.js'
import { Tombstones } from './tombstones.js'

/** One KV row (`structs.DirEntry`). Value `null` is Go's nil slice (an empty body stores nil). */
export interface KvEntry {
  readonly key: string
  readonly value: Buffer | null
  readonly flags: bigint
  /** Holder's session id as the client sent it; `''` when unheld. */
  readonly session: string
  readonly lockIndex: number
  readonly createIndex: number
  readonly modifyIndex: number
}

/** The fields `DirEntry.Equal` compares: a write that changes none of them is not a change. */
function sameContent(a: KvEntry, b: Omit<KvEntry, 'createIndex' | 'modifyIndex'>): boolean {
  const sameValue = a.value === null || b.value === null ? a.value === b.value : a.value.equals(b.value)
  return a.lockIndex === b.lockIndex && a.flags === b.flags && a.session === b.session && sameValue
}

interface Undo {
  readonly entries: Map<string, KvEntry | undefined>
  readonly tombstones: Map<string, number | undefined>
  readonly kvsIndex: number
  readonly tombstonesIndex: number
}

/**
 * The `kvs` table plus its graveyard. Mutators take the apply index and report changed keys
 * through `changed`; a journal (opened by a transaction) lets a failed txn roll back.
 */
export class KvTable {
  private readonly entries = new Map<string, KvEntry>()
  readonly tombstones = new Tombstones()
  /** Highest index that modified the `kvs` table. */
  kvsIndex = 0
  private undo: Undo | undefined
  private readonly changed = new Set<string>()

  get size(): number {
    return this.entries.size
  }

  get(key: string): KvEntry | undefined {
    return this.entries.get(key)
  }

  /** `kvsMaxIndex`: the KV table index as reads report it (kvs and tombstones together). */
  maxIndex(): number {
    return Math.max(this.kvsIndex, this.tombstones.tableIndex)
  }

  /** Entries whose key starts with `prefix`, in byte order. */
  list(prefix: string): KvEntry[] {
    const found: KvEntry[] = []
    for (const entry of this.entries.values()) if (entry.key.startsWith(prefix)) found.push(entry)
    return found.sort((a, b) => compareKeys(a.key, b.key))
  }

  /** Every entry, for session invalidation. */
  all(): IterableIterator<KvEntry> {
    return this.entries.values()
  }

  /**
   * Index a prefix read reports (`kvsListEntriesTxn`): the highest ModifyIndex or tombstone
   * under the prefix; the table index when the prefix is empty or nothing matched.
   */
  prefixIndex(prefix: string, entries: readonly KvEntry[]): number {
    if (prefix === '') return this.maxIndex()
    let index = 0
    for (const entry of entries) index = Math.max(index, entry.modifyIndex)
    index = Math.max(index, this.tombstones.maxIndex(prefix))
    return index === 0 ? this.maxIndex() : index
  }

  /**
   * `kvsSetTxn`: insert or replace. A write identical in content keeps the old row (no new
   * ModifyIndex, no table-index bump). Returns the row now stored.
   */
  write(index: number, next: Omit<KvEntry, 'createIndex' | 'modifyIndex'>): KvEntry {
    const existing = this.entries.get(next.key)
    if (existing !== undefined && sameContent(existing, next)) return existing
    const entry: KvEntry = {
      ...next,
      createIndex: existing?.createIndex ?? index,
      modifyIndex: index,
    }
    this.remember(next.key)
    this.entries.set(next.key, entry)
    this.kvsIndex = index
    this.changed.add(next.key)
    return entry
  }

  /** `kvsDeleteTxn`: removes the key and leaves a tombstone. Missing key: no change. */
  delete(index: number, key: string): void {
    if (!this.entries.has(key)) return
    this.remember(key)
    this.entries.delete(key)
    this.tombstones.insert(key, index)
    this.kvsIndex = index
    this.changed.add(key)
  }

  /** Deletes every key with the prefix; nothing matched → no index changes. */
  deleteTree(index: number, prefix: string): void {
    for (const entry of this.list(prefix)) this.delete(index, entry.key)
  }

  /** Opens a journal so `rollback()` can undo everything written until `commit()`. */
  begin(): void {
    this.undo = {
      entries: new Map(),
      tombstones: new Map(),
      kvsIndex: this.kvsIndex,
      tombstonesIndex: this.tombstones.tableIndex,
    }
  }

  commit(): void {
    this.undo = undefined
  }

  rollback(): void {
    const undo = this.undo
    if (undo === undefined) return
    for (const [key, entry] of undo.entries) {
      if (entry === undefined) this.entries.delete(key)
      else this.entries.set(key, entry)
    }
    for (const [key, index] of undo.tombstones) this.tombstones.restore(key, index)
    this.kvsIndex = undo.kvsIndex
    this.tombstones.tableIndex = undo.tombstonesIndex
    this.undo = undefined
    this.changed.clear()
  }

  /** Keys changed since the last call (what the watch hub must hear about). */
  takeChanged(): string[] {
    const keys = [...this.changed, ...this.tombstones.takeReaped()]
    this.changed.clear()
    return keys
  }

  private remember(key: string): void {
    if (this.undo === undefined || this.undo.entries.has(key)) return
    this.undo.entries.set(key, this.entries.get(key))
    this.undo.tombstones.set(key, this.tombstones.indexOf(key))
  }
}
