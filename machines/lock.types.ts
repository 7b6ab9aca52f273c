/**
 * The lock machine's context, events, emitted events and tags.
 */
import type { Duration } from '../src/consul/duration.js'
import type { LockLostReason } from '../src/errors.js'
import type { LockSettings } from './lock.options.js'

export interface LockContext {
  /** The validated options. */
  settings: LockSettings
  /** The session locking (ours or the caller's); `null` before one exists. */
  session: string | null
  /** True when the machine created `session` and must renew and destroy it. */
  ownsSession: boolean
  /** The TTL renewal works with, in ms: the configured one, then the server's. */
  ttlMs: number
  /** How long the lease had left when the last successful renew (or the create) answered. */
  leaseMs: number
  /** The last renew failure, reported if renewal never recovers while pending. */
  renewError: unknown
  /** The index the waiting loop blocks on (`0n`: read at once). */
  waitIndex: bigint
  /** The ModifyIndex at which the key was last read free (`null`: absent). */
  freeAtIndex: bigint | null
  /** Consecutive lock-delay backoffs in this attempt. */
  backoffAttempt: number
  /** Whether this attempt gives up after `tryWaitMs` (tryAcquire / lockTryOnce). */
  tryOnce: boolean
  /** The try-once budget left for the current phase, in ms (less what the session create took). */
  tryWaitMs: number
  /** The index the monitor blocks on. */
  monitorIndex: bigint
  /** Consecutive monitor read failures. */
  monitorFailures: number
  /** Retries of the current cleanup step (release or destroy) so far. */
  cleanupRetries: number
  /** The indexes of the acquiring write; `null` when not held. */
  lease: { lockIndex: bigint; modifyIndex: bigint } | null
  /** An ACQUIRE that arrived while the lock was still cleaning up: started once idle. */
  queuedAcquire: Omit<Extract<LockCommand, { type: 'ACQUIRE' }>, 'type'> | null
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
export type LockSignal =
  | { type: 'session.renewed' }
  | { type: 'session.renewFailed'; error: unknown }
  | { type: 'session.expired' }
  | { type: 'session.invalidated' }
  | { type: 'lock.tryBudgetSpent' }

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
