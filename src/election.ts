/**
 * `consul.election(options)`: leader election on one key. A thin layer over a `Lock`: leading
 * means holding the lock, so every state, renewal and loss is the lock machine's.
 */

import { waitFor } from 'xstate'
import { LOCK_FLAG_VALUE } from '../machines/flags.js'
import { type LockOptions, resolveLockOptions } from '../machines/lock.options.js'
import type { Consul } from './client.js'
import type { CallOptions, KVValueInput } from './consul/types.js'
import { type LeaderInfo, readLeader } from './election/leader.js'
import { observeLeader } from './election/observe.js'
import { pause } from './election/pause.js'
import { ConsulError, isRetryable, LockLostError, NotLeaderError } from './errors.js'
import type { Lease, Lock, LockActorOptions } from './lock.js'
import { splitActorOptions } from './machine-facade.js'

export type { LeaderInfo } from './election/leader.js'

/**
 * The lock's options: `key` is the election key, `value` this candidate's value while it leads
 * (what `leader()` reports), `sessionTTL`, `lockDelay` and the rest as for `consul.lock`.
 */
export type ElectionOptions = LockOptions

export interface CampaignOptions {
  /** Withdraws the candidacy: the campaign rejects with `signal.reason` at once. */
  signal?: AbortSignal
}

export interface ObserveOptions {
  /** Ends the observation: the read in flight is aborted and the iteration ends without error. */
  signal?: AbortSignal
}

export interface RunOptions {
  /**
   * Campaign again whenever a term ends (the work returned, or leadership was lost), until
   * `signal` aborts: Curator's `LeaderSelector.autoRequeue()`.
   *
   * @default false
   */
  autoRequeue?: boolean
  /** Stops the run: withdraws a pending campaign, and aborts the work's signal while leading. */
  signal?: AbortSignal
}

/** The work of a leader; `signal` aborts when the term ends (leadership lost, resigned or stopped). */
export type LeaderWork<T> = (signal: AbortSignal) => T | Promise<T>

/** The reason a campaign that `resign()` withdrew rejects with. */
const withdrawn = (key: string) =>
  new DOMException(`The campaign for '${key}' was withdrawn by resign()`, 'AbortError')

const isReleased = (reason: unknown) => reason instanceof LockLostError && reason.reason === 'released'

const isAbortError = (error: unknown) => error instanceof DOMException && error.name === 'AbortError'

/**
 * A candidate in a leader election on one Consul key. The leader is the holder of the key's
 * lock, so the election interoperates with `consul lock` and Go's `api.Lock` on the same key.
 *
 * @example
 * ```ts
 * const election = consul.election({ key: 'service/leader', value: 'node-a' })
 * const lease = await election.campaign()
 * await election.proclaim('node-a (ready)')
 * console.log(await election.leader()) // { value: 'node-a (ready)', session, node, lockIndex }
 * await election.resign()
 * ```
 */
export class Election implements AsyncDisposable {
  /** The election key. */
  readonly key: string
  /** The actor of the lock behind the election: subscribe to it, inspect it, read its tags. */
  readonly actor: Lock['actor']
  readonly #consul: Consul
  readonly #lock: Lock
  /** The pause before a failed read (observe) or campaign (run with `autoRequeue`) is retried. */
  readonly #retryMs: number
  /** The lease of the last won campaign; its `lost` signal says whether we still lead. */
  #lease: Lease | null = null
  /** The campaigns in flight, for `resign()` to withdraw. */
  readonly #campaigns = new Set<AbortController>()
  /** Aborted by `Symbol.asyncDispose`: ends every observation. */
  readonly #disposal = new AbortController()

  /** @internal Use `consul.election(options)`. */
  constructor(
    consul: Consul,
    options: ElectionOptions & LockActorOptions,
    actorOptions: LockActorOptions = {},
  ) {
    const split = splitActorOptions(options, actorOptions)
    this.#consul = consul
    this.#lock = consul.lock(split.options, split.actorOptions)
    this.#retryMs = resolveLockOptions(split.options).monitorRetryTimeMs
    this.key = this.#lock.key
    this.actor = this.#lock.actor
  }

  /**
   * Waits until this candidate leads, and resolves the lock's lease (`lease.lost` aborts when
   * leadership ends; `lease.fencingToken` grows with every new leader). Rejects with
   * `signal.reason` at once when aborted, and with an `AbortError` when `resign()` withdraws
   * the campaign; its session is destroyed in the background either way. Rejects with
   * `LockHeldError` while this candidate already campaigns or leads.
   */
  async campaign(options: CampaignOptions = {}): Promise<Lease> {
    const withdrawal = new AbortController()
    const signal = options.signal ? AbortSignal.any([options.signal, withdrawal.signal]) : withdrawal.signal
    this.#campaigns.add(withdrawal)
    try {
      const lease = await this.#lock.acquire({ signal })
      this.#lease = lease
      return lease
    } finally {
      this.#campaigns.delete(withdrawal)
    }
  }

  /**
   * Gives leadership up: releases the key and destroys the session the lock created, so another
   * candidate takes over at once (a release starts no lock-delay). A pending campaign is withdrawn (it rejects with an
   * `AbortError`). When not leading it does nothing (as etcd's `Resign`), apart from waiting
   * for a cleanup in progress. Resolves once the session is gone; rejects with Consul's error
   * if the release failed (the session is destroyed all the same, which frees the key).
   */
  async resign(): Promise<void> {
    for (const campaign of this.#campaigns) campaign.abort(withdrawn(this.key))
    if (this.#lock.held) await this.#lock.release()
    else await waitFor(this.actor, (snapshot) => snapshot.hasTag('idle') || snapshot.status !== 'active')
  }

  /**
   * Changes the leader's value without a new election: one transaction that checks, on the
   * server, that our session still holds the key, and rewrites it with the same session and
   * lock flags (the lock stays held; `lockIndex` does not change). The change lasts for this
   * term: a later campaign writes the `value` option again. Rejects with `NotLeaderError`
   * (`ENOTLEADER`) when this candidate does not lead or leadership was lost; its `cause` is
   * the `LockLostError` saying why.
   *
   * @example
   * ```ts
   * await election.proclaim(JSON.stringify({ address: '10.0.0.7:8080', ready: true }))
   * ```
   */
  async proclaim(value: KVValueInput, options: CallOptions = {}): Promise<void> {
    const lease = this.#lease
    if (lease === null) throw new NotLeaderError(this.key)
    const write = {
      verb: 'lock',
      key: lease.key,
      session: lease.session,
      value,
      flags: LOCK_FLAG_VALUE,
    } as const
    const result = await lease.txn([write], options).catch((error: unknown) => {
      throw error instanceof LockLostError ? new NotLeaderError(this.key, { cause: error }) : error
    })
    if (!result.ok) {
      const body = result.errors.map((error) => error.what).join('; ')
      throw new ConsulError({ status: 409, body, method: 'PUT', path: '/v1/txn' })
    }
  }

  /**
   * The current leader: its value (UTF-8), session, the session's node and the key's
   * `lockIndex`; `null` when nobody leads. Any candidate, or none, may ask.
   */
  leader(options: CallOptions = {}): Promise<LeaderInfo | null> {
    return readLeader(this.#consul, this.key, options)
  }

  /**
   * The leader, then every change of it, from blocking reads of the key: a new leader, a
   * proclaimed value, and `null` whenever nobody leads (etcd's `Observe` never reports that).
   * Identical consecutive states are reported once. Failed reads are retried after
   * `monitorRetryTime` when retryable (5xx, 429, transport errors); other errors end the
   * iteration by throwing. Ends without error when `signal` aborts, when the loop breaks, or
   * when the election is disposed, aborting the read in flight.
   *
   * @example
   * ```ts
   * for await (const leader of election.observe({ signal })) {
   *   console.log(leader === null ? 'nobody leads' : `${leader.value} leads`)
   * }
   * ```
   */
  observe(options: ObserveOptions = {}): AsyncGenerator<LeaderInfo | null, void, undefined> {
    return observeLeader(this.#consul, this.key, {
      signal: this.#stopSignal(options.signal),
      retryMs: this.#retryMs,
    })
  }

  /**
   * Campaigns, runs `fn` while leading, and resigns when it ends. `fn`'s signal aborts when
   * leadership is lost (with the `LockLostError`; reason `released` after `resign()`) or when
   * `options.signal` aborts.
   *
   * Without `autoRequeue` it behaves like `lock.withLock`: resolves with `fn`'s result, rejects
   * with the `LockLostError` if leadership was lost while `fn` ran (even if `fn` succeeded),
   * with `fn`'s error, or with `options.signal.reason` (or the `resign()` `AbortError`) if the
   * campaign is withdrawn before leading.
   *
   * With `autoRequeue` it campaigns again after every term, until `options.signal` aborts; then
   * it resolves (`undefined`) once the term in progress has ended and the session is gone. A
   * term ends when `fn` settles; once `fn`'s signal has aborted (loss or stop), how `fn` settles
   * does not matter. It rejects, after resigning, when `fn` rejects while still leading, when a
   * campaign fails with an error that is not retryable (retryable ones are retried after
   * `monitorRetryTime`), or when the election is disposed. `resign()` ends the current term
   * (or withdraws the pending campaign) and the run campaigns again: abort `signal` to stop it.
   *
   * @example
   * ```ts
   * const stop = new AbortController()
   * process.once('SIGTERM', () => stop.abort())
   * await election.run(async (signal) => serveAsLeader(signal), { autoRequeue: true, signal: stop.signal })
   * ```
   */
  run<T>(fn: LeaderWork<T>, options: RunOptions & { autoRequeue: true }): Promise<void>
  run<T>(fn: LeaderWork<T>, options?: RunOptions & { autoRequeue?: false }): Promise<T>
  run<T>(fn: LeaderWork<T>, options?: RunOptions): Promise<T | undefined>
  async run<T>(fn: LeaderWork<T>, options: RunOptions = {}): Promise<T | undefined> {
    if (options.autoRequeue) {
      await this.#runRequeued(fn, options.signal)
      return undefined
    }
    return this.#runOnce(fn, options.signal)
  }

  /**
   * Withdraws a pending campaign, gives leadership up, ends every observation, then stops the
   * lock's actor; later campaigns reject with an `ELOCKDISPOSED` error.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#disposal.abort()
    await this.#lock[Symbol.asyncDispose]()
  }

  /** One term: `withLock`'s semantics, with the lease kept for `proclaim`. */
  async #runOnce<T>(fn: LeaderWork<T>, signal: AbortSignal | undefined): Promise<T> {
    const lease = await this.campaign({ signal })
    let result: T
    try {
      result = await fn(workSignal(lease, signal))
    } catch (error) {
      await this.resign().catch(() => {})
      throw error
    }
    // Read before resigning, which ends the lease with reason `released`.
    const lost = lease.lost.aborted
    const reason: unknown = lease.lost.reason
    await this.resign()
    if (lost) throw reason
    return result
  }

  async #runRequeued<T>(fn: LeaderWork<T>, signal: AbortSignal | undefined): Promise<void> {
    for (;;) {
      const lease = await this.#requeue(signal)
      if (lease === null) return
      const work = workSignal(lease, signal)
      try {
        await fn(work)
      } catch (error) {
        // After a loss or a stop, a rejection is `fn` reacting to its signal, not a failure.
        if (!work.aborted) {
          await this.resign().catch(() => {})
          throw error
        }
      }
      // Read before resigning, which ends every lease with reason `released`.
      const lostToOthers = lease.lost.aborted && !isReleased(lease.lost.reason)
      // The session is destroyed even when the release fails, so the term is over either way.
      await this.resign().catch(() => {})
      // After a term lost to the server or another holder, pause before standing again: a key
      // that is taken away at once must not make the run spin through sessions.
      if (lostToOthers && !(await pause(this.#retryMs, this.#stopSignal(signal)))) return
    }
  }

  /** `signal`, or the election's disposal, whichever aborts first. */
  #stopSignal(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.#disposal.signal]) : this.#disposal.signal
  }

  /**
   * Campaigns for a run with `autoRequeue`: again when `resign()` withdrew the campaign, and
   * after a pause when it failed with a retryable error. `null` once `signal` has aborted.
   */
  async #requeue(signal: AbortSignal | undefined): Promise<Lease | null> {
    for (;;) {
      if (signal?.aborted) return null
      try {
        return await this.campaign({ signal })
      } catch (error) {
        if (signal?.aborted || isAbortError(error)) continue
        if (!isRetryable(error)) throw error
        await pause(this.#retryMs, this.#stopSignal(signal))
      }
    }
  }
}

/** The signal of a term's work: the lease's `lost`, and the caller's stop signal. */
function workSignal(lease: Lease, signal: AbortSignal | undefined): AbortSignal {
  return signal ? AbortSignal.any([lease.lost, signal]) : lease.lost
}
