/**
 * `consul.semaphore(options)`: the promise and AbortSignal facade over the semaphore statechart.
 * All state lives in the machine; `acquire`, `tryAcquire`, `release`, `destroy` and disposal
 * come from the base it shares with `Lock`.
 */
import type { ActorOptions } from 'xstate'
import type { LockClient } from '../machines/actors/index.js'
import { createSemaphoreMachine, type SemaphoreMachine } from '../machines/create-semaphore-machine.js'
import { resolveSemaphoreOptions, type SemaphoreOptions } from '../machines/semaphore.options.js'
import type { SemaphoreNotification } from '../machines/semaphore.types.js'
import {
  ConsulLockMachineError,
  SemaphoreHeldError,
  SemaphoreLostError,
  type SemaphoreLostReason,
  SemaphoreNotHeldError,
} from './errors.js'
import { type AcquireOptions, facadeActor, MachineFacade } from './machine-facade.js'

/** A held slot of a semaphore, and a signal that fires when it stops being held. */
export interface SemaphoreLease {
  /** The semaphore's prefix (without a trailing slash). */
  readonly prefix: string
  /** The session holding the slot: its contender key is `<prefix>/<session>`. */
  readonly session: string
  /**
   * Aborted with a `SemaphoreLostError` when the slot stops being held, whatever the reason
   * (`released` after `release()`). Pass it to the work the slot protects.
   */
  readonly lost: AbortSignal
}

/** Options of the actor behind a `Semaphore`: `inspect` and `id`, also accepted in the semaphore's options. */
export type SemaphoreActorOptions = Pick<ActorOptions<SemaphoreMachine>, 'inspect' | 'id'>

type SemaphoreAcquired = Extract<SemaphoreNotification, { type: 'semaphore.acquired' }>

/**
 * A counting semaphore under one Consul prefix: at most `limit` holders at once. Compatible with
 * Go's `api.Semaphore` and `consul lock -n <limit>`: each contender writes `<prefix>/<session>`,
 * and the holders are listed in `<prefix>/.lock`, changed only by check-and-set. Errors of
 * `acquire`: `SemaphoreHeldError` (this object is already pending or holding),
 * `SemaphoreLimitError` (the record has another limit), `SemaphoreConflictError` (a lock uses
 * `<prefix>/.lock`); of `release`: `SemaphoreNotHeldError`; of `destroy`: `SemaphoreInUseError`
 * while a live session holds a slot (holders whose contender key is gone do not count).
 *
 * @example
 * ```ts
 * const semaphore = consul.semaphore({ prefix: 'service/workers', limit: 2 })
 * const lease = await semaphore.acquire()
 * try {
 *   await work({ signal: lease.lost })
 * } finally {
 *   await semaphore.release()
 * }
 * ```
 */
export class Semaphore extends MachineFacade<
  SemaphoreMachine,
  SemaphoreAcquired,
  SemaphoreLostReason,
  SemaphoreLease
> {
  /** The prefix, as Go's `path.Join` leaves it: no trailing slash. */
  readonly prefix: string

  /** @internal Use `consul.semaphore(options)`. */
  constructor(
    client: LockClient,
    options: SemaphoreOptions & SemaphoreActorOptions,
    actorOptions?: SemaphoreActorOptions,
  ) {
    const machine = createSemaphoreMachine(client)
    const { actor, resolved } = facadeActor(machine, { options, actorOptions }, resolveSemaphoreOptions)
    const prefix = resolved.prefix
    super(actor, {
      topic: 'semaphore',
      held: (pending) => new SemaphoreHeldError(prefix, pending ? 'Semaphore is being acquired' : undefined),
      notHeld: () => new SemaphoreNotHeldError(prefix),
      lost: (reason) => new SemaphoreLostError(prefix, reason),
      disposed: () => new ConsulLockMachineError('ESEMDISPOSED', `The Semaphore on '${prefix}' was disposed`),
      lease: (event, lost) => ({ prefix: event.prefix, session: event.session, lost }),
    })
    this.prefix = prefix
  }

  /**
   * Acquires a slot, runs `fn` with a signal that aborts if the slot is lost (or `signal`
   * aborts), and always releases. Rejects with the `SemaphoreLostError` if the slot was lost
   * while `fn` ran, even if `fn` succeeded.
   *
   * @example
   * ```ts
   * const semaphore = consul.semaphore({ prefix: 'service/encoders', limit: 4 })
   * await semaphore.withPermit(async (signal) => {
   *   await encodeVideo({ signal })
   * })
   * ```
   */
  withPermit<T>(fn: (signal: AbortSignal) => T | Promise<T>, options: AcquireOptions = {}): Promise<T> {
    return this.withLease(fn, options)
  }
}
