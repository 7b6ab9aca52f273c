/**
 * The lock's timing rules, as pure functions of the TTL and attempt counts. The machine's named
 * delays call these; nothing here reads a clock.
 */

/** The first lock-delay backoff; each further attempt doubles it, up to `retryTime`. */
export const LOCK_DELAY_BACKOFF_BASE_MS = 50

/** Go's renewer retries a failed renew every second; shorter TTLs retry at TTL/4. */
const RENEW_RETRY_MAX_MS = 1000

/** The pause before acquire attempt `attempt + 1` while a lock-delay is in effect. */
export function lockDelayBackoffMs(attempt: number, retryTimeMs: number): number {
  return Math.min(retryTimeMs, LOCK_DELAY_BACKOFF_BASE_MS * 2 ** attempt)
}

/** When to renew after a successful renew: half the TTL, as Go does. */
export function renewIntervalMs(ttlMs: number): number {
  return ttlMs / 2
}

/** When to retry after a failed renew. */
export function renewRetryMs(ttlMs: number): number {
  return Math.min(RENEW_RETRY_MAX_MS, ttlMs / 4)
}

/**
 * How long one renew may take before it counts as failed (the lock turns suspect and the renew
 * is retried): a quarter TTL, so a black-holed agent shows up long before the deadline.
 */
export function renewTimeoutMs(ttlMs: number): number {
  return ttlMs / 4
}

/**
 * Time left on the lease once a renew (or the create) answered: the TTL counted from when it
 * was *sent*. The server only expires a session 2×TTL after it *received* the last renew, so
 * this local deadline always comes first.
 */
export function leaseRemainingMs(ttlMs: number, elapsedMs: number): number {
  return Math.max(0, ttlMs - elapsedMs)
}

/** How many times a failed release or session destroy is retried before it is reported. */
export const CLEANUP_RETRIES = 3

/** The pause before cleanup retry `retries + 1`: 100 ms, 200 ms, 400 ms. */
export function cleanupRetryMs(retries: number): number {
  return 100 * 2 ** retries
}
