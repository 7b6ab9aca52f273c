/**
 * The lock and the semaphore behind one interface: `-n 1` locks `<prefix>/.lock` (Go's
 * `api.Lock`), `-n N` takes one of N slots under `<prefix>` (Go's `api.Semaphore`). Both
 * facades have the same acquire, tryAcquire, release and destroy, and a lease whose `lost`
 * signal fires on loss, so the command has one code path for both.
 */

import type { InspectionEvent, Observer } from 'xstate'
import {
  type Consul,
  type Lock,
  LockInUseError,
  LockNotHeldError,
  type Semaphore,
  SemaphoreInUseError,
  SemaphoreNotHeldError,
} from '../../index.js'
import type { LockCommandConfig } from './flags.js'
import type { ObservedActor } from './verbose.js'

/** `consul lock`'s monitor retry pause (the API's default is 2 s). */
const MONITOR_RETRY_TIME = '1s'

export interface Holder {
  /** Go's verbose setup line. */
  readonly setupLine: string
  readonly facade: Lock | Semaphore
  readonly actor: ObservedActor
}

/**
 * Creates the lock or semaphore (nothing is sent yet), inspected by `inspect` if given; throws
 * the library's `InvalidOptionError`.
 */
export function createHolder(
  consul: Consul,
  config: LockCommandConfig,
  inspect?: Observer<InspectionEvent>,
): Holder {
  const common = {
    ...(inspect === undefined ? {} : { inspect }),
    // What an inspector shows for the actor, rather than its session id (`x:0`).
    id: `consul-lock ${config.prefix}`,
    sessionName: config.sessionName,
    sessionTTL: config.sessionTTL,
    monitorRetries: config.monitorRetries,
    monitorRetryTime: MONITOR_RETRY_TIME,
  }
  // One-shot: each blocking read may take the whole budget, as Go sets its wait time to it.
  const waitTime = config.timeoutMs > 0 ? config.timeoutMs : undefined
  if (config.limit === 1) {
    const lock = consul.lock({
      key: config.lockKey,
      ...common,
      ...(config.lockDelay === undefined ? {} : { lockDelay: config.lockDelay }),
      ...(waitTime === undefined ? {} : { lockWaitTime: waitTime }),
    })
    return {
      setupLine: `Setting up lock at path: ${config.lockKey}`,
      facade: lock,
      actor: lock.actor,
    }
  }
  const semaphore = consul.semaphore({
    prefix: config.prefix,
    limit: config.limit,
    ...common,
    ...(waitTime === undefined ? {} : { semaphoreWaitTime: waitTime }),
  })
  return {
    setupLine: `Setting up semaphore (limit ${config.limit}) at prefix: ${config.prefix}`,
    facade: semaphore,
    actor: semaphore.actor,
  }
}

/** Go's `inUseErr`: `destroy` refused because someone holds the lock or a slot. */
export function isInUse(error: unknown): boolean {
  return error instanceof LockInUseError || error instanceof SemaphoreInUseError
}

/** `release` found nothing held: the lease was lost and cleaned up meanwhile. */
export function isNotHeld(error: unknown): boolean {
  return error instanceof LockNotHeldError || error instanceof SemaphoreNotHeldError
}
