/**
 * Lock-delay bookkeeping (Consul's `Delay`): after a session holding a key is invalidated,
 * nobody may acquire that key until `now + min(LockDelay, 60s)`. In memory only, enforced
 * only on acquisition. Expired entries are dropped whenever the map is touched, so it holds
 * at most the keys invalidated in the last minute.
 */
export class LockDelays {
  private readonly expiries = new Map<string, number>()

  get size(): number {
    return this.expiries.size
  }

  set(key: string, now: number, delayMs: number): void {
    this.sweep(now)
    const expiry = now + delayMs
    const current = this.expiries.get(key)
    if (current === undefined || expiry > current) this.expiries.set(key, expiry)
  }

  /** True while an acquisition of `key` must be refused. */
  isDelayed(key: string, now: number): boolean {
    const expiry = this.expiries.get(key)
    if (expiry === undefined) return false
    if (now < expiry) return true
    this.expiries.delete(key)
    return false
  }

  sweep(now: number): void {
    for (const [key, expiry] of this.expiries) if (expiry <= now) this.expiries.delete(key)
  }

  clear(): void {
    this.expiries.clear()
  }
}
