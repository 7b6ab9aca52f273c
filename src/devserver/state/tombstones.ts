/**
 * The KV graveyard. A delete leaves a tombstone carrying its index so that a prefix read's
 * index never goes backwards when the last key under the prefix disappears. Tombstones are
 * reaped after `tombstone_ttl` (15 min in Consul); after that the prefix index may fall back.
 */
export class Tombstones {
  private readonly stones = new Map<string, { index: number; at: number }>()
  private readonly reaped: string[] = []
  /** Highest index that modified the tombstones table. */
  tableIndex = 0

  get size(): number {
    return this.stones.size
  }

  insert(key: string, index: number): void {
    this.stones.set(key, { index, at: Date.now() })
    this.tableIndex = index
  }

  indexOf(key: string): number | undefined {
    return this.stones.get(key)?.index
  }

  /** Undo helper for a rolled-back transaction. */
  restore(key: string, index: number | undefined): void {
    if (index === undefined) this.stones.delete(key)
    else this.stones.set(key, { index, at: Date.now() })
  }

  /** Highest tombstone index under `prefix` (0 when none). */
  maxIndex(prefix: string): number {
    let max = 0
    for (const [key, stone] of this.stones) if (key.startsWith(prefix) && stone.index > max) max = stone.index
    return max
  }

  /** Removes tombstones older than `ttlMs`; returns how many went. */
  reap(now: number, ttlMs: number): number {
    let count = 0
    for (const [key, stone] of this.stones) {
      if (now - stone.at >= ttlMs) {
        this.stones.delete(key)
        this.reaped.push(key)
        count++
      }
    }
    return count
  }

  /** Keys reaped since the last call, so prefix watchers can re-evaluate. */
  takeReaped(): string[] {
    return this.reaped.splice(0)
  }
}
