/**
 * The semaphore machine's context, events, emitted events and tags.
 */
import type { Duration } from '../src/consul/duration.js'
import type { SemaphoreLostReason } from '../src/errors.js'
import type { SemaphoreSettings } from './semaphore.options.js'
import type { SessionContext, SessionSignal } from './session-lifecycle.types.js'

/** The semaphore's context: the shared session lifecycle fields, and the semaphore's own. */
export interface SemaphoreContext extends SessionContext {
  /** The validated options. */
  settings: SemaphoreSettings
  /**
   * The check-and-set write of the `.lock` record about to be sent or in flight: the encoded
   * record, the ModifyIndex it was read at, and the holders it lists (a claim adds us, a release
   * removes us).
   */
  recordWrite: { value: string; modifyIndex: bigint; holders: readonly string[] } | null
  /** The ModifyIndex at which DESTROY found the record free. */
  freeAtIndex: bigint | null
  /** The holders of the record once our slot was taken; `null` when no slot is held. */
  lease: { holders: readonly string[] } | null
}

/** Events a user (or a parent machine) sends to the semaphore. */
export type SemaphoreCommand =
  /**
   * Start acquiring a slot. `tryOnce` gives up after `wait` (default `semaphoreWaitTime`) and
   * emits `semaphore.timeout`; without it a slot is acquired or an error is reported.
   */
  | { type: 'ACQUIRE'; tryOnce?: boolean; wait?: Duration }
  /** Stop acquiring; the contender entry and the session the semaphore created are removed. */
  | { type: 'CANCEL' }
  /** Give the slot back, then remove the contender entry and the session the semaphore created. */
  | { type: 'RELEASE' }
  /** Delete `<prefix>/.lock` if no live session holds a slot (Go's `Semaphore.Destroy`). */
  | { type: 'DESTROY' }

/** Events the machine raises for itself: the renewal region's signals, and the end of a try-once budget. */
export type SemaphoreSignal = SessionSignal | { type: 'semaphore.tryBudgetSpent' }

export type SemaphoreEvent = SemaphoreCommand | SemaphoreSignal

/**
 * What the semaphore tells observers (`actor.on(type, …)`) and, when embedded, its parent.
 * `holders` are the sessions of the `.lock` record once ours was added, ours included.
 */
export type SemaphoreNotification =
  | {
      type: 'semaphore.acquired'
      prefix: string
      session: string
      limit: number
      holders: readonly string[]
    }
  | { type: 'semaphore.suspect'; prefix: string; cause: 'renew-failed' | 'monitor-failed'; error: unknown }
  | { type: 'semaphore.lost'; prefix: string; reason: Exclude<SemaphoreLostReason, 'released'> }
  | { type: 'semaphore.released'; prefix: string }
  | { type: 'semaphore.timeout'; prefix: string }
  | { type: 'semaphore.destroyed'; prefix: string }
  | { type: 'semaphore.error'; prefix: string; error: Error }

/** The stable public names for the semaphore's phases (`snapshot.hasTag(...)`), as for a lock. */
export type SemaphoreTag = 'idle' | 'pending' | 'held' | 'suspect' | 'releasing' | 'destroying'
