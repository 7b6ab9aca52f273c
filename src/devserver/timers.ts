/**
 * Every timer the dev server starts goes through here, so `close()` can clear them all and
 * tests can count them. Timers are unref'd: a forgotten server never keeps a process alive.
 */
export class Timers {
  private readonly live = new Set<NodeJS.Timeout>()
  private stopped = false

  /**
   * Runs `fn` once after `ms`. The returned handle is only valid until it fires or is cleared.
   * After `clearAll()` nothing is scheduled: a request still being handled while the server
   * closes (a session create with a TTL, say) must not start a timer that outlives it.
   */
  set(fn: () => void, ms: number): NodeJS.Timeout {
    if (this.stopped) return inert()
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
    if (this.stopped) return inert()
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

  /** Clears every timer and refuses new ones (the server is closing). */
  clearAll(): void {
    this.stopped = true
    for (const handle of this.live) clearTimeout(handle)
    this.live.clear()
  }

  get size(): number {
    return this.live.size
  }
}

/** A handle to a timer that never runs, for callers that schedule after `clearAll()`. */
function inert(): NodeJS.Timeout {
  const handle = setTimeout(() => {}, 0)
  clearTimeout(handle)
  return handle
}
