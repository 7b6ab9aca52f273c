/**
 * `consul.lock(options)`: the promise and AbortSignal facade over the lock statechart. All state
 * lives in the machine; this class only turns its notifications into promises and signals.
 */
import { type Actor, type ActorOptions, createActor, type Subscription, waitFor } from 'xstate'
import type { LockClient } from '../machines/actors/index.js'
import { createLockMachine, type LockMachine } from '../machines/create-lock-machine.js'
import { type LockOptions, resolveLockOptions, tryWaitMs } from '../machines/lock.options.js'
import type { LockCommand, LockNotification } from '../machines/lock.types.js'
import type { Duration } from './consul/duration.js'
import type { CallOptions, TxnOp, TxnResult } from './consul/types.js'
import { ConsulLockMachineError, LockHeldError, LockLostError, LockNotHeldError } from './errors.js'
import { fencedTxn } from './fenced-txn.js'

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

export interface AcquireOptions {
  /** Cancels the attempt: the promise rejects with `signal.reason` at once. */
  signal?: AbortSignal
}

export interface TryAcquireOptions extends AcquireOptions {
  /**
   * How long to try before resolving `null`.
   *
   * @default the lock's `lockWaitTime` (15 s)
   */
  wait?: Duration
}

/** Options of the actor behind a `Lock`. */
export type LockActorOptions = Pick<ActorOptions<LockMachine>, 'inspect' | 'id'>

type LockActor = Actor<LockMachine>

const disposedError = (key: string) =>
  new ConsulLockMachineError('ELOCKDISPOSED', `The Lock on '${key}' was disposed`)

const isSettled = (snapshot: ReturnType<LockActor['getSnapshot']>) =>
  !snapshot.hasTag('releasing') && !snapshot.hasTag('destroying')

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
export class Lock implements AsyncDisposable {
  readonly key: string
  /** The running XState actor: subscribe to it, inspect it, or read its tags. */
  readonly actor: LockActor
  readonly #client: LockClient
  #lease: { lease: Lease; controller: AbortController } | null = null
  /** Aborted by `Symbol.asyncDispose`: cancels a pending attempt and refuses new work. */
  readonly #disposal = new AbortController()
  #disposed: Promise<void> | undefined

  /** @internal Use `consul.lock(options)`. */
  constructor(client: LockClient, options: LockOptions, actorOptions: LockActorOptions = {}) {
    this.key = resolveLockOptions(options).key
    this.#client = client
    this.actor = createActor(createLockMachine(client), { ...actorOptions, input: options })
    this.actor.on('lock.acquired', (event) => this.#grant(event))
    this.actor.on('lock.lost', (event) => this.#endLease(new LockLostError(this.key, event.reason)))
    // Also a RELEASE or CANCEL sent to the actor directly.
    this.actor.on('lock.released', () => this.#endLease(new LockLostError(this.key, 'released')))
    // A crashed machine (a bug) no longer watches the key: whoever holds a lease must stop.
    // This observer also keeps XState from rethrowing the crash out of band.
    this.actor.subscribe({ error: () => this.#endLease(new LockLostError(this.key, 'monitor-failed')) })
    this.actor.start()
  }

  /** True while the lock is held (it may be `suspect`). */
  get held(): boolean {
    return this.actor.getSnapshot().hasTag('held')
  }

  /**
   * Waits until the lock is held. Rejects with `LockHeldError` if this `Lock` is already
   * pending or held, with a `LockConflictError` if the key is not a lock key, with Consul's
   * error if a request fails, and with `signal.reason` at once when aborted (then the session is
   * destroyed in the background). Never resolves without the lock.
   */
  async acquire(options: AcquireOptions = {}): Promise<Lease> {
    const lease = await this.#attempt({ type: 'ACQUIRE', tryOnce: false }, options.signal)
    if (lease === null) throw new Error('lock machine gave up an acquire that must not time out')
    return lease
  }

  /**
   * Like `acquire`, but resolves `null` when the lock could not be taken within `wait`; the
   * session it created is destroyed before it resolves.
   */
  async tryAcquire(options: TryAcquireOptions = {}): Promise<Lease | null> {
    const wait = options.wait === undefined ? undefined : tryWaitMs(options.wait)
    return this.#attempt({ type: 'ACQUIRE', tryOnce: true, wait }, options.signal)
  }

  /**
   * Releases the lock, then destroys the session the lock created (so the next holder gets no
   * lock-delay). Rejects with `LockNotHeldError` when not held, or with Consul's error if the
   * release failed (the session is destroyed all the same, which frees the key).
   */
  async release(): Promise<void> {
    this.#disposal.signal.throwIfAborted()
    if (!this.held) {
      await waitFor(this.actor, isSettled)
      throw new LockNotHeldError(this.key)
    }
    this.#endLease(new LockLostError(this.key, 'released'))
    await this.#command({ type: 'RELEASE' }, 'lock.released')
  }

  /**
   * Deletes the lock key when nobody holds it (Go's `Destroy`): resolves when the key is gone
   * (or was already). Rejects with `LockHeldError` while this `Lock` is pending or held,
   * `LockInUseError` when a session holds the key, `LockConflictError` when it is not a lock key.
   */
  async destroy(): Promise<void> {
    await this.#fromIdle(undefined, () => this.#command({ type: 'DESTROY' }, 'lock.destroyed'))
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
  async withLock<T>(fn: (signal: AbortSignal) => T | Promise<T>, options: AcquireOptions = {}): Promise<T> {
    const lease = await this.acquire(options)
    const signal = options.signal ? AbortSignal.any([lease.lost, options.signal]) : lease.lost
    let result: T
    try {
      result = await fn(signal)
    } catch (error) {
      await this.#giveBack(lease).catch(() => {})
      throw error
    }
    if (lease.lost.aborted) {
      await waitFor(this.actor, isSettled)
      throw lease.lost.reason
    }
    await this.#giveBack(lease)
    return result
  }

  /**
   * Cancels or releases whatever this lock is doing (a pending `acquire` rejects with an
   * `ELOCKDISPOSED` error), waits for the cleanup, then stops the actor; later calls reject.
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.#disposed ??= this.#dispose()
    return this.#disposed
  }

  async #dispose(): Promise<void> {
    this.#disposal.abort(disposedError(this.key))
    if (this.actor.getSnapshot().status !== 'active') return
    // CANCEL gives the lock up at any stage (held: release; pending: cancel) and withdraws an
    // ACQUIRE queued behind a cleanup, also one sent to the actor directly.
    this.actor.send({ type: 'CANCEL' })
    await waitFor(this.actor, (s) => s.hasTag('idle') || s.status !== 'active')
    this.actor.stop()
  }

  /** Releases `lease` if it is still the one held (a later acquire's is not ours to release). */
  async #giveBack(lease: Lease): Promise<void> {
    if (this.#lease?.lease === lease) await this.release()
    else await waitFor(this.actor, isSettled)
  }

  /**
   * Runs `start` once the machine is idle, in the same synchronous step as the check, so two
   * calls in one tick cannot both start. Waits out a cleanup in progress (abortable); refuses
   * while pending or held, and once disposed.
   */
  async #fromIdle<T>(signal: AbortSignal | undefined, start: () => Promise<T>): Promise<T> {
    const stop = signal ? AbortSignal.any([signal, this.#disposal.signal]) : this.#disposal.signal
    for (;;) {
      stop.throwIfAborted()
      const snapshot = this.actor.getSnapshot()
      if (snapshot.hasTag('idle')) return start()
      if (snapshot.hasTag('held')) throw new LockHeldError(this.key)
      if (snapshot.hasTag('pending')) throw new LockHeldError(this.key, 'Lock is being acquired')
      await waitFor(this.actor, isSettled, { signal: stop })
    }
  }

  #attempt(command: LockCommand, callerSignal: AbortSignal | undefined): Promise<Lease | null> {
    const cancelledElsewhere = () =>
      new DOMException('The acquire was cancelled through the lock actor', 'AbortError')
    const signal = callerSignal
      ? AbortSignal.any([callerSignal, this.#disposal.signal])
      : this.#disposal.signal
    return this.#fromIdle(
      signal,
      () =>
        new Promise<Lease | null>((resolve, reject) => {
          const stopListening = this.#listen({
            'lock.acquired': () => settle(() => resolve(this.#lease?.lease ?? null)),
            'lock.timeout': () => settleWhenIdle(() => resolve(null)),
            'lock.error': (event) => settleWhenIdle(() => reject(event.error)),
            // Idle again with no outcome: a CANCEL or RELEASE sent to the actor directly.
            idle: () => settle(() => reject(cancelledElsewhere())),
            crashed: (error) => settle(() => reject(error)),
          })
          const onAbort = () => {
            settle(() => reject(signal.reason))
            this.actor.send({ type: 'CANCEL' })
          }
          const settle = (outcome: () => void) => {
            stopListening()
            signal.removeEventListener('abort', onAbort)
            outcome()
          }
          const settleWhenIdle = (outcome: () => void) =>
            settle(() => waitFor(this.actor, isSettled).then(outcome, reject))
          signal.addEventListener('abort', onAbort, { once: true })
          this.actor.send(command)
        }),
    )
  }

  /**
   * Sends a command and settles on its outcome: `done` resolves, unless a `lock.error` came
   * first (`RELEASE` reports errors and still completes; `DESTROY` ends with its error).
   */
  #command(command: LockCommand, done: 'lock.released' | 'lock.destroyed'): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let failure: Error | undefined
      const stopListening = this.#listen({
        [done]: () => {
          stopListening()
          if (failure === undefined) resolve()
          else reject(failure)
        },
        'lock.error': (event) => {
          failure ??= event.error
          if (command.type === 'DESTROY') {
            stopListening()
            reject(failure)
          }
        },
        idle: () => {},
        crashed: (error) => {
          stopListening()
          reject(error)
        },
      })
      this.actor.send(command)
    })
  }

  /**
   * Listens to notifications, to the machine becoming idle, and to the actor crashing or being
   * stopped; returns the function that stops listening.
   */
  #listen(
    handlers: {
      [T in LockNotification['type']]?: (event: Extract<LockNotification, { type: T }>) => void
    } & { idle: () => void; crashed: (error: unknown) => void },
  ): () => void {
    const { idle, crashed, ...notifications } = handlers
    const subscriptions: Subscription[] = [
      this.actor.subscribe({
        next: (snapshot) => {
          if (snapshot.hasTag('idle')) idle()
        },
        error: crashed,
        complete: () => crashed(disposedError(this.key)),
      }),
    ]
    for (const [type, handler] of Object.entries(notifications)) {
      subscriptions.push(
        this.actor.on(type as LockNotification['type'], handler as (event: LockNotification) => void),
      )
    }
    return () => {
      for (const subscription of subscriptions) subscription.unsubscribe()
    }
  }

  #grant(event: Extract<LockNotification, { type: 'lock.acquired' }>): void {
    const controller = new AbortController()
    const fence = {
      key: event.key,
      session: event.session,
      lost: controller.signal,
      lostError: () => this.#whyNotHeld(),
    }
    const lease: Lease = {
      key: event.key,
      session: event.session,
      lockIndex: event.lockIndex,
      modifyIndex: event.modifyIndex,
      fencingToken: event.modifyIndex,
      lost: controller.signal,
      txn: (ops, options) => fencedTxn(this.#client, fence, ops, options),
    }
    this.#lease = { lease, controller }
  }

  /** Why a fenced transaction found the key no longer held by this lease, from a fresh read. */
  async #whyNotHeld(): Promise<LockLostError> {
    const { value: pair } = await this.#client.kv.get(this.key)
    if (pair === null) return new LockLostError(this.key, 'key-deleted')
    return new LockLostError(this.key, pair.session === undefined ? 'session-invalidated' : 'taken')
  }

  #endLease(reason: LockLostError): void {
    this.#lease?.controller.abort(reason)
    this.#lease = null
  }
}
