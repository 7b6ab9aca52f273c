/**
 * What `Lock` and `Semaphore` share: turning a lock-shaped statechart into promises and
 * AbortSignals. Both machines take the commands `ACQUIRE` / `CANCEL` / `RELEASE` / `DESTROY`,
 * carry the tags `idle` / `pending` / `held` / `releasing` / `destroying`, and emit
 * `<topic>.acquired|lost|released|timeout|destroyed|error`; only the topic, the errors and the
 * lease differ, and the facade is given those. All state lives in the machine: the facade only
 * keeps the lease it handed out, so it can abort the lease's `lost` signal.
 */
import {
  type Actor,
  type ActorOptions,
  type AnyStateMachine,
  createActor,
  type Subscription,
  waitFor,
} from 'xstate'
import { tryWaitMs } from '../machines/lock.options.js'
import type { Duration } from './consul/duration.js'

/**
 * The options of the actor behind a facade, accepted in its options object too
 * (`consul.lock({ key, inspect })`).
 */
export interface FacadeActorOptions {
  /**
   * An XState inspection observer for the actor's system, e.g. the `inspect` of
   * `createInspector()` from `consul-lock-machine/inspect`.
   */
  inspect?: ActorOptions<AnyStateMachine>['inspect']
  /** The actor's id (what inspectors show). @default the actor's session id (`x:3`) */
  id?: string
}

/**
 * Takes `inspect` and `id` out of a facade's options object, so only the machine's own options
 * are validated; those given in `actorOptions` win.
 */
export function splitActorOptions<TOptions>(
  options: TOptions & FacadeActorOptions,
  actorOptions: FacadeActorOptions = {},
): { options: TOptions; actorOptions: FacadeActorOptions } {
  // Not an object: left as it is for the option checks to report.
  if (typeof options !== 'object' || options === null) return { options, actorOptions }
  const { inspect, id, ...own } = options
  const given = Object.entries({ inspect, id, ...actorOptions }).filter(([, value]) => value !== undefined)
  return { options: own as TOptions, actorOptions: Object.fromEntries(given) as FacadeActorOptions }
}

/**
 * The actor of a facade: `options` checked by `resolve` first (so a bad one throws here, not in
 * the machine), without `inspect` and `id`, which go to the actor with `actorOptions`.
 */
export function facadeActor<TMachine extends AnyStateMachine, TOptions, TResolved>(
  machine: TMachine,
  given: { options: TOptions & FacadeActorOptions; actorOptions: FacadeActorOptions | undefined },
  resolve: (options: TOptions) => TResolved,
): { actor: Actor<TMachine>; resolved: TResolved } {
  const { options, actorOptions } = splitActorOptions(given.options, given.actorOptions)
  const resolved = resolve(options)
  const create = createActor as (machine: TMachine, options: object) => Actor<TMachine>
  return { actor: create(machine, { ...actorOptions, input: options }), resolved }
}

export interface AcquireOptions {
  /** Cancels the attempt: the promise rejects with `signal.reason` at once. */
  signal?: AbortSignal
}

export interface TryAcquireOptions extends AcquireOptions {
  /**
   * How long to try before resolving `null`.
   *
   * @default the lock's `lockWaitTime`, the semaphore's `semaphoreWaitTime` (15 s)
   */
  wait?: Duration
}

/** The commands both machines accept. */
type FacadeCommand =
  | { type: 'ACQUIRE'; tryOnce: boolean; wait?: number }
  | { type: 'CANCEL' }
  | { type: 'RELEASE' }
  | { type: 'DESTROY' }

/** The notifications the facade listens to, by their name after the topic (`lock.<name>`). */
interface Notices<TAcquired, TReason> {
  acquired: TAcquired
  lost: { reason: TReason }
  released: object
  timeout: object
  destroyed: object
  error: { error: Error }
}

type Handlers<TAcquired, TReason> = {
  [K in keyof Notices<TAcquired, TReason>]?: (event: Notices<TAcquired, TReason>[K]) => void
} & { idle: () => void; crashed: (error: unknown) => void }

/** What differs between the lock and the semaphore facade. */
export interface FacadeSpec<TAcquired, TReason extends string, TLease> {
  /** The prefix of the machine's notifications. */
  readonly topic: 'lock' | 'semaphore'
  /** `acquire`/`destroy` while this object already holds, or is acquiring (`pending`). */
  held(pending: boolean): Error
  /** `release` while nothing is held. */
  notHeld(): Error
  /** What a lease's `lost` signal aborts with. */
  lost(reason: TReason | 'released' | 'monitor-failed'): Error
  /** What a pending call rejects with, and later calls throw, once the object is disposed. */
  disposed(): Error
  /** The lease for an acquired notification, given the signal that tells it is lost. */
  lease(event: TAcquired, lost: AbortSignal): TLease
}

const isSettled = (snapshot: { hasTag(tag: string): boolean }) =>
  !snapshot.hasTag('releasing') && !snapshot.hasTag('destroying')

/**
 * The base of `Lock` and `Semaphore`: drives one actor of a lock-shaped machine. Every operation
 * checks the machine's state and sends its command in one synchronous step, so two calls in one
 * tick cannot both start.
 */
export class MachineFacade<
  TMachine extends AnyStateMachine,
  TAcquired,
  TReason extends string,
  TLease extends { readonly lost: AbortSignal },
> implements AsyncDisposable
{
  /** The running XState actor: subscribe to it, inspect it, or read its tags. */
  readonly actor: Actor<TMachine>
  /** The same actor, as the facade drives it: by the notification names of its topic. */
  readonly #actor: Actor<AnyStateMachine>
  readonly #spec: FacadeSpec<TAcquired, TReason, TLease>
  #lease: { lease: TLease; controller: AbortController } | null = null
  /** Aborted by disposal: cancels a pending attempt and refuses new work. */
  readonly #disposal = new AbortController()
  #disposed: Promise<void> | undefined

  /** Listens to `actor` (not started yet) and starts it. */
  protected constructor(actor: Actor<TMachine>, spec: FacadeSpec<TAcquired, TReason, TLease>) {
    this.actor = actor
    this.#actor = actor
    this.#spec = spec
    this.#actor.on(`${spec.topic}.acquired`, (event: TAcquired) => this.#grant(event))
    this.#actor.on(`${spec.topic}.lost`, (event: { reason: TReason }) =>
      this.#endLease(spec.lost(event.reason)),
    )
    // Also a RELEASE or CANCEL sent to the actor directly.
    this.#actor.on(`${spec.topic}.released`, () => this.#endLease(spec.lost('released')))
    // A crashed machine (a bug) no longer watches what it held: whoever holds a lease must stop.
    // This observer also keeps XState from rethrowing the crash out of band.
    this.#actor.subscribe({ error: () => this.#endLease(spec.lost('monitor-failed')) })
    this.#actor.start()
  }

  /** True while held (it may be `suspect`). */
  get held(): boolean {
    return this.#actor.getSnapshot().hasTag('held')
  }

  /**
   * Waits until held. Rejects with `LockHeldError` / `SemaphoreHeldError` if this object is
   * already pending or held; with `LockConflictError` / `SemaphoreConflictError` if the key is
   * another kind's (and, for a semaphore, `SemaphoreLimitError` if its record has another
   * limit); with Consul's error if a request fails; and with `signal.reason` at once when
   * aborted (the cleanup then runs in the background). Never resolves without holding.
   *
   * @example
   * ```ts
   * const lease = await lock.acquire({ signal: AbortSignal.timeout(60_000) })
   * ```
   */
  async acquire(options: AcquireOptions = {}): Promise<TLease> {
    const lease = await this.#attempt({ type: 'ACQUIRE', tryOnce: false }, options.signal)
    if (lease === null)
      throw new Error(`${this.#spec.topic} machine gave up an acquire that must not time out`)
    return lease
  }

  /**
   * Like `acquire`, but resolves `null` when it could not get hold within `wait`; the session
   * it created (and a semaphore's contender key) is removed before it resolves.
   *
   * @example
   * ```ts
   * const lease = await lock.tryAcquire({ wait: '2s' })
   * if (lease === null) return 'busy, try later'
   * ```
   */
  async tryAcquire(options: TryAcquireOptions = {}): Promise<TLease | null> {
    const wait = options.wait === undefined ? undefined : tryWaitMs(options.wait)
    return this.#attempt({ type: 'ACQUIRE', tryOnce: true, wait }, options.signal)
  }

  /**
   * Gives back what is held, then destroys the session it created (so a lock's next holder gets
   * no lock-delay). Rejects with `LockNotHeldError` / `SemaphoreNotHeldError` when nothing is
   * held, or with Consul's error if a step failed (the session is destroyed all the same).
   */
  async release(): Promise<void> {
    this.#disposal.signal.throwIfAborted()
    if (!this.held) {
      await waitFor(this.#actor, isSettled)
      throw this.#spec.notHeld()
    }
    this.#endLease(this.#spec.lost('released'))
    await this.#command({ type: 'RELEASE' }, 'released')
  }

  /**
   * Deletes the lock key, or the semaphore's `.lock` record, when nobody holds it (Go's
   * `Destroy`): resolves when it is gone (or was already). Rejects with `LockHeldError` /
   * `SemaphoreHeldError` while this object is pending or held, `LockInUseError` /
   * `SemaphoreInUseError` while a live session holds it, and `LockConflictError` /
   * `SemaphoreConflictError` when the key is another kind's.
   */
  async destroy(): Promise<void> {
    await this.#fromIdle(undefined, () => this.#command({ type: 'DESTROY' }, 'destroyed'))
  }

  /**
   * Acquires, runs `fn` with a signal aborted on loss (or by `signal`), and always gives back.
   * Rejects with the lost reason if the lease was lost while `fn` ran, even if `fn` succeeded.
   */
  protected async withLease<T>(
    fn: (signal: AbortSignal) => T | Promise<T>,
    options: AcquireOptions,
  ): Promise<T> {
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
      await waitFor(this.#actor, isSettled)
      throw lease.lost.reason
    }
    await this.#giveBack(lease)
    return result
  }

  /**
   * Cancels or releases whatever this object is doing (a pending `acquire` rejects with an
   * `ELOCKDISPOSED` / `ESEMDISPOSED` error), waits for the cleanup, then stops the actor; later
   * calls reject. Disposing again is a no-op.
   *
   * @example
   * ```ts
   * await using lock = consul.lock({ key: 'service/leader' })
   * await lock.acquire()
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    this.#disposed ??= this.#dispose()
    return this.#disposed
  }

  async #dispose(): Promise<void> {
    this.#disposal.abort(this.#spec.disposed())
    if (this.#actor.getSnapshot().status !== 'active') return
    // CANCEL gives up at any stage (held: release; pending: cancel) and withdraws an ACQUIRE
    // queued behind a cleanup, also one sent to the actor directly.
    this.#actor.send({ type: 'CANCEL' })
    await waitFor(this.#actor, (s) => s.hasTag('idle') || s.status !== 'active')
    this.#actor.stop()
  }

  /** Releases `lease` if it is still the one held (a later acquire's is not ours to release). */
  async #giveBack(lease: TLease): Promise<void> {
    if (this.#lease?.lease === lease) await this.release()
    else await waitFor(this.#actor, isSettled)
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
      const snapshot = this.#actor.getSnapshot()
      if (snapshot.hasTag('idle')) return start()
      if (snapshot.hasTag('held')) throw this.#spec.held(false)
      if (snapshot.hasTag('pending')) throw this.#spec.held(true)
      await waitFor(this.#actor, isSettled, { signal: stop })
    }
  }

  #attempt(command: FacadeCommand, callerSignal: AbortSignal | undefined): Promise<TLease | null> {
    const cancelledElsewhere = () =>
      new DOMException(`The acquire was cancelled through the ${this.#spec.topic} actor`, 'AbortError')
    const signal = callerSignal
      ? AbortSignal.any([callerSignal, this.#disposal.signal])
      : this.#disposal.signal
    return this.#fromIdle(
      signal,
      () =>
        new Promise<TLease | null>((resolve, reject) => {
          const stopListening = this.#listen({
            acquired: () => settle(() => resolve(this.#lease?.lease ?? null)),
            timeout: () => settleWhenIdle(() => resolve(null)),
            error: (event) => settleWhenIdle(() => reject(event.error)),
            // Idle again with no outcome: a CANCEL or RELEASE sent to the actor directly.
            idle: () => settle(() => reject(cancelledElsewhere())),
            crashed: (error) => settle(() => reject(error)),
          })
          const onAbort = () => {
            settle(() => reject(signal.reason))
            this.#actor.send({ type: 'CANCEL' })
          }
          const settle = (outcome: () => void) => {
            stopListening()
            signal.removeEventListener('abort', onAbort)
            outcome()
          }
          const settleWhenIdle = (outcome: () => void) =>
            settle(() => waitFor(this.#actor, isSettled).then(outcome, reject))
          signal.addEventListener('abort', onAbort, { once: true })
          this.#actor.send(command)
        }),
    )
  }

  /**
   * Sends a command and settles on its outcome: `done` resolves, unless an error came first
   * (`RELEASE` reports errors and still completes; `DESTROY` ends with its error).
   */
  #command(command: FacadeCommand, done: 'released' | 'destroyed'): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let failure: Error | undefined
      const stopListening = this.#listen({
        [done]: () => {
          stopListening()
          if (failure === undefined) resolve()
          else reject(failure)
        },
        error: (event) => {
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
      this.#actor.send(command)
    })
  }

  /**
   * Listens to notifications, to the machine becoming idle, and to the actor crashing or being
   * stopped; returns the function that stops listening.
   */
  #listen(handlers: Handlers<TAcquired, TReason>): () => void {
    const { idle, crashed, ...notices } = handlers
    const subscriptions: Subscription[] = [
      this.#actor.subscribe({
        next: (snapshot) => {
          if (snapshot.hasTag('idle')) idle()
        },
        error: crashed,
        complete: () => crashed(this.#spec.disposed()),
      }),
    ]
    for (const [name, handler] of Object.entries(notices)) {
      subscriptions.push(this.#actor.on(`${this.#spec.topic}.${name}`, handler))
    }
    return () => {
      for (const subscription of subscriptions) subscription.unsubscribe()
    }
  }

  #grant(event: TAcquired): void {
    const controller = new AbortController()
    this.#lease = { lease: this.#spec.lease(event, controller.signal), controller }
  }

  #endLease(reason: Error): void {
    this.#lease?.controller.abort(reason)
    this.#lease = null
  }
}
