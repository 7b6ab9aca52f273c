/**
 * The lock machine's context, events, emitted events and tags.
 */
import type { Duration } from '../src/consul/duration.js'
import type { LockLostReason } from '../src/errors.js'
import type { LockSettings } from './lock.options.js'
import type { SessionContext, SessionSignal } from './session-lifecycle.types.js'

/** The lock's context: the shared session lifecycle fields, and the lock's own. */
export interface LockContext extends SessionContext {
  /** The validated options. */
  settings: LockSettings
  /** The ModifyIndex at which the key was last read free (`null`: absent). */
  freeAtIndex: bigint | null
  /** Consecutive lock-delay backoffs in this attempt. */
  backoffAttempt: number
  /** The indexes of the acquiring write; `null` when not held. */
  lease: { lockIndex: bigint; modifyIndex: bigint } | null
}

/** Events a user (or a parent machine) sends to the lock. */
export type LockCommand =
  /**
   * Start acquiring. `tryOnce` gives up after `wait` (default `lockWaitTime`) and emits
   * `lock.timeout`; without it the lock is acquired or an error is reported.
   */
  | { type: 'ACQUIRE'; tryOnce?: boolean; wait?: Duration }
  /** Stop acquiring; the session the lock created is destroyed. */
  | { type: 'CANCEL' }
  /** Release a held lock, then destroy the session the lock created. */
  | { type: 'RELEASE' }
  /** Delete the lock key if nobody holds it (Go's `Destroy`). */
  | { type: 'DESTROY' }

/** Events the machine raises for itself, from the renewal region to the lock region. */
export type LockSignal = SessionSignal | { type: 'lock.tryBudgetSpent' }

export type LockEvent = LockCommand | LockSignal

/**
 * What the lock tells observers (`actor.on(type, …)`) and, when embedded, its parent machine.
 */
export type LockNotification =
  | { type: 'lock.acquired'; key: string; session: string; lockIndex: bigint; modifyIndex: bigint }
  | { type: 'lock.suspect'; key: string; cause: 'renew-failed' | 'monitor-failed'; error: unknown }
  | { type: 'lock.lost'; key: string; reason: Exclude<LockLostReason, 'released'> }
  | { type: 'lock.released'; key: string }
  | { type: 'lock.timeout'; key: string }
  | { type: 'lock.destroyed'; key: string }
  | { type: 'lock.error'; key: string; error: Error }

/** The stable public names for the lock's phases (`snapshot.hasTag(...)`). */
export type LockTag = 'idle' | 'pending' | 'held' | 'suspect' | 'releasing' | 'destroying'
