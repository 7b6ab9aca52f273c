/**
 * Who is waiting for what. A blocking query registers one waiter on exactly the data it
 * read — a single key, a key prefix, or the session table — so a write wakes only the
 * queries it can affect (a single-key watch is never woken by a sibling key, Consul's
 * TestKVS_Issue_1626). Waiters unregister themselves; `size` lets tests prove nothing leaks.
 */

export type Wake = () => void

export class WatchHub {
  private readonly keyWaiters = new Map<string, Set<Wake>>()
  private readonly prefixWaiters = new Map<string, Set<Wake>>()
  private readonly sessionWaiters = new Set<Wake>()

  /** Wakes when `key` is written, deleted or (re)created. Returns the unsubscribe function. */
  watchKey(key: string, wake: Wake): () => void {
    return addTo(this.keyWaiters, key, wake)
  }

  /** Wakes when any key starting with `prefix` (or its tombstone) changes. */
  watchPrefix(prefix: string, wake: Wake): () => void {
    return addTo(this.prefixWaiters, prefix, wake)
  }

  /** Wakes on any change to the session table. */
  watchSessions(wake: Wake): () => void {
    this.sessionWaiters.add(wake)
    return () => {
      this.sessionWaiters.delete(wake)
    }
  }

  /** Called once per apply with every key whose entry or tombstone changed. */
  keysChanged(keys: Iterable<string>): void {
    const woken = new Set<Wake>()
    for (const key of keys) {
      for (const wake of this.keyWaiters.get(key) ?? []) woken.add(wake)
      for (const [prefix, waiters] of this.prefixWaiters) {
        if (key.startsWith(prefix)) for (const wake of waiters) woken.add(wake)
      }
    }
    for (const wake of woken) wake()
  }

  sessionsChanged(): void {
    for (const wake of [...this.sessionWaiters]) wake()
  }

  /** Number of registered waiters (a query waits on exactly one). */
  get size(): number {
    let total = this.sessionWaiters.size
    for (const set of this.keyWaiters.values()) total += set.size
    for (const set of this.prefixWaiters.values()) total += set.size
    return total
  }

  clear(): void {
    this.keyWaiters.clear()
    this.prefixWaiters.clear()
    this.sessionWaiters.clear()
  }
}

function addTo(map: Map<string, Set<Wake>>, name: string, wake: Wake): () => void {
  let set = map.get(name)
  if (set === undefined) {
    set = new Set()
    map.set(name, set)
  }
  set.add(wake)
  return () => {
    const current = map.get(name)
    if (current === undefined) return
    current.delete(wake)
    if (current.size === 0) map.delete(name)
  }
}
