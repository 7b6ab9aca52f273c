/**
 * What the lock and the semaphore machines share: both hold something in Consul through a
 * session they create (or are given), renew it while pending and held, watch what they hold,
 * give up after a try-once budget, and clean up with retries. Their contexts extend
 * `SessionContext`, their events include `SessionSignal`, and the guards, actions, delays and
 * states in `session-lifecycle.setup.ts` / `session-lifecycle.states.ts` work on those.
 */
import type { Duration } from '../src/consul/duration.js'
import type { SessionCreateOptions } from '../src/consul/types.js'

/** The validated options every session-backed machine has. */
export interface SessionSettings {
  /** The caller's session, or `null` when the machine creates its own. */
  session: string | null
  /** The body of the session the machine creates. */
  sessionOptions: SessionCreateOptions
  /** The TTL renewal starts from, in ms; 0 when the created session has no TTL. */
  sessionTTLMs: number
  monitorRetries: number
  monitorRetryTimeMs: number
}

/** What an ACQUIRE asks for: see `LockCommand` and `SemaphoreCommand`. */
export interface AcquireRequest {
  tryOnce?: boolean
  wait?: Duration
}

export interface SessionContext {
  /** The validated options. */
  settings: SessionSettings
  /** The session in use (ours or the caller's); `null` before one exists. */
  session: string | null
  /** True when the machine created `session` and must renew and destroy it. */
  ownsSession: boolean
  /** The TTL renewal works with, in ms: the configured one, then the server's. */
  ttlMs: number
  /** How long the lease had left when the last successful renew (or the create) answered. */
  leaseMs: number
  /** The last renew failure, reported if renewal never recovers while pending. */
  renewError: unknown
  /** Whether this attempt gives up after `tryWaitMs` (tryAcquire / the try-once option). */
  tryOnce: boolean
  /** The try-once budget left for the current phase, in ms (less what the session create took). */
  tryWaitMs: number
  /** The index the waiting loop blocks on (`0n`: read at once). */
  waitIndex: bigint
  /** The index the monitor blocks on. */
  monitorIndex: bigint
  /** Consecutive monitor read failures. */
  monitorFailures: number
  /** Retries of the current cleanup step so far. */
  cleanupRetries: number
  /** What the machine holds (its shape is the machine's); `null` when nothing is held. */
  lease: object | null
  /** An ACQUIRE that arrived while the machine was still cleaning up: started once idle. */
  queuedAcquire: AcquireRequest | null
}

/** Events the renewal region raises for the region that holds (or waits for) the resource. */
export type SessionSignal =
  | { type: 'session.renewed' }
  | { type: 'session.renewFailed'; error: unknown }
  | { type: 'session.expired' }
  | { type: 'session.invalidated' }
