/**
 * `consul.lock(options)`: the promise and AbortSignal facade over the lock statechart. All state
 * lives in the machine; `acquire`, `tryAcquire`, `release`, `destroy` and disposal come from the
 * base it shares with `Semaphore`. Here: the lease, with its fencing token and fenced writes.
 */
import type { ActorOptions } from 'xstate'
import type { LockClient } from '../machines/actors/index.js'
import { createLockMachine, type LockMachine } from '../machines/create-lock-machine.js'
import { type LockOptions, resolveLockOptions } from '../machines/lock.options.js'
import type { LockNotification } from '../machines/lock.types.js'
import type { CallOptions, TxnOp, TxnResult } from './consul/types.js'
import {
  ConsulLockMachineError,
  LockHeldError,
  LockLostError,
  type LockLostReason,
  LockNotHeldError,
} from './errors.js'
import { type FenceFailure, fencedTxn } from './fenced-txn.js'
import { type AcquireOptions, facadeActor, MachineFacade } from './machine-facade.js'

/** A held lock: fencing material and a signal that fires when it stops being held. */
export interface Lease {
  readonly key: string
  /** The session holding the key. */
  readonly session: string
  /** The key's LockIndex after our acquiring write: grows with every new holder. */
  readonly lockIndex: bigint
  /** The key's ModifyIndex after our acquiring write. */
  readonly modifyIndex: bigint
  /**
   * A number that grows strictly with every new holder of this key, for systems outside Consul
   * to reject writes from an older holder: the `modifyIndex` of the acquiring write. It is a
   * Raft index, global to the datacenter, so unlike `lockIndex` it keeps growing when the key
   * is deleted and created again.
   */
  readonly fencingToken: bigint
  /**
   * Runs KV operations in one Consul transaction that first checks, on the server, that this
   * lease's session still holds the key: if not, nothing is applied and the promise rejects with
   * a `LockLostError`. Resolves with the result of `ops` alone.
   *
   * @example
   * ```ts
   * await lease.txn([{ verb: 'set', key: 'service/config', value: JSON.stringify(config) }])
   * ```
   */
  txn(ops: readonly TxnOp[], options?: CallOptions): Promise<TxnResult>
  /**
   * Aborted with a `LockLostError` when the lock stops being held, whatever the reason
   * (`released` after `release()`). Pass it to the work the lock protects.
   */
  readonly lost: AbortSignal
}

export type { AcquireOptions, TryAcquireOptions } from './machine-facade.js'

/** Options of the actor behind a `Lock`: `inspect` and `id`, also accepted in the lock's options. */
export type LockActorOptions = Pick<ActorOptions<LockMachine>, 'inspect' | 'id'>

type LockAcquired = Extract<LockNotification, { type: 'lock.acquired' }>

/**
 * A distributed lock on one Consul key, compatible with Go's `api.Lock` and `consul lock`.
 *
 * @example
 * ```ts
 * const lock = consul.lock({ key: 'service/leader', value: 'node-a' })
 * const lease = await lock.acquire()
 * try {
 *   await doWork({ signal: lease.lost })
 * } finally {
 *   await lock.release()
 * }
 * ```
 */
export class Lock extends MachineFacade<LockMachine, LockAcquired, LockLostReason, Lease> {
  readonly key: string

  /** @internal Use `consul.lock(options)`. */
  constructor(client: LockClient, options: LockOptions & LockActorOptions, actorOptions?: LockActorOptions) {
    const { actor, resolved } = facadeActor(
      createLockMachine(client),
      { options, actorOptions },
      resolveLockOptions,
    )
    const key = resolved.key
    super(actor, {
      topic: 'lock',
      held: (pending) => new LockHeldError(key, pending ? 'Lock is being acquired' : undefined),
      notHeld: () => new LockNotHeldError(key),
      lost: (reason) => new LockLostError(key, reason),
      disposed: () => new ConsulLockMachineError('ELOCKDISPOSED', `The Lock on '${key}' was disposed`),
      lease: (event, lost) => leaseOf(client, event, lost),
    })
    this.key = key
  }

  /**
   * Acquires the lock, runs `fn` with a signal that aborts if the lock is lost (or `signal`
   * aborts), and always releases. Rejects with the `LockLostError` if the lock was lost while
   * `fn` ran, even if `fn` succeeded.
   *
   * @example
   * ```ts
   * await lock.withLock(async (signal) => {
   *   await migrateDatabase({ signal })
   * })
   * ```
   */
  withLock<T>(fn: (signal: AbortSignal) => T | Promise<T>, options: AcquireOptions = {}): Promise<T> {
    return this.withLease(fn, options)
  }
}

/** The lease of an acquired lock: fencing material and fenced transactions. */
function leaseOf(client: LockClient, event: LockAcquired, lost: AbortSignal): Lease {
  const fence = {
    key: event.key,
    session: event.session,
    lost,
    lostError: (reason: FenceFailure) => new LockLostError(event.key, reason),
  }
  return {
    key: event.key,
    session: event.session,
    lockIndex: event.lockIndex,
    modifyIndex: event.modifyIndex,
    fencingToken: event.modifyIndex,
    lost,
    txn: (ops, options) => fencedTxn(client, fence, ops, options),
  }
}
