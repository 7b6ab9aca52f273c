import type { SessionTimers } from './state/session-timers.js'
import type { CheckStatus, Store } from './state/store.js'

export type { CheckStatus }

/**
 * Health checks on the agent's node (`server.checks`). Sessions link to checks
 * (`serfHealth` by default); a linked check turning `critical` or being deregistered
 * invalidates those sessions exactly like a destroy — the way a real node failure looks.
 */
export interface Checks {
  /**
   * Sets a registered check's status. `critical` invalidates every session linked to it, and
   * session create then fails with `apply failed: Check '<id>' is in critical state` until it is `passing`
   * (or `warning`, which invalidates nothing) again.
   * @example server.checks.setStatus('serfHealth', 'critical')
   */
  setStatus(checkId: string, status: CheckStatus): void
  /** Registers a node check (default status `passing`) that sessions may then name in `Checks`/`NodeChecks`. */
  register(checkId: string, status?: CheckStatus): void
  /** Deregisters a check, invalidating every session linked to it. */
  deregister(checkId: string): void
  /** A check's status, or `undefined` when it is not registered. */
  status(checkId: string): CheckStatus | undefined
}

/** @internal */
export function createChecks(store: Store, sessionTimers: SessionTimers): Checks {
  const invalidateLinked = (index: number, checkId: string): void => {
    for (const session of store.sessionsLinkedTo(checkId)) {
      store.invalidateSession(index, session.id)
      sessionTimers.stop(session.id)
    }
  }
  const validStatus = (status: string): void => {
    if (status !== 'passing' && status !== 'warning' && status !== 'critical') {
      throw new RangeError(`Invalid check status '${status}': use passing, warning or critical`)
    }
  }
  return {
    setStatus(checkId, status) {
      validStatus(status)
      if (!store.checks.has(checkId)) throw new Error(`Check '${checkId}' is not registered`)
      // A check update is one catalog apply; invalidations happen inside it, at the same index.
      store.apply((index) => {
        store.checks.set(checkId, status)
        if (status === 'critical') invalidateLinked(index, checkId)
      })
    },
    register(checkId, status = 'passing') {
      validStatus(status)
      store.apply((index) => {
        store.checks.set(checkId, status)
        if (status === 'critical') invalidateLinked(index, checkId)
      })
    },
    deregister(checkId) {
      if (!store.checks.has(checkId)) return
      store.apply((index) => {
        invalidateLinked(index, checkId)
        store.checks.delete(checkId)
      })
    },
    status(checkId) {
      return store.checks.get(checkId)
    },
  }
}
