/**
 * Every timer the dev server starts goes through here, so `close()` can clear them all and
 * tests can count them. Timers are unref'd: a forgotten server never keeps a process alive.
 */
export class Timers {
  private readonly live = new Set<NodeJS.Timeout>()

  /** Runs `fn` once after `ms`. The returned handle is only valid until it fires or is cleared. */
  set(fn: () => void, ms: number): NodeJS.Timeout {
    const handle = setTimeout(
      () => {
        this.live.delete(handle)
        fn()
      },
      Math.max(0, Math.min(ms, 2 ** 31 - 1)),
    )
    handle.unref()
    this.live.add(handle)
    return handle
  }

  /** Runs `fn` every `ms` until cleared. */
  repeat(fn: () => void, ms: number): NodeJS.Timeout {
    const handle = setInterval(fn, Math.max(1, Math.min(ms, 2 ** 31 - 1)))
    handle.unref()
    this.live.add(handle)
    return handle
  }

  clear(handle: NodeJS.Timeout | undefined): void {
    if (handle === undefined) return
    clearTimeout(handle)
    this.live.delete(handle)
  }

  clearAll(): void {
    for (const handle of this.live) clearTimeout(handle)
    this.live.clear()
  }

  get size(): number {
    return this.live.size
  }
}
