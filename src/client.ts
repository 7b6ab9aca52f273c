/**
 * The public `Consul` client: the HTTP client plus the lock, semaphore and election factories.
 * It lives apart from `src/consul/`, which knows nothing of the machines.
 */
import type { LockOptions } from '../machines/lock.options.js'
import type { SemaphoreOptions } from '../machines/semaphore.options.js'
import { Consul as ConsulHttpClient } from './consul/client.js'
import { Election, type ElectionOptions } from './election.js'
import { Lock, type LockActorOptions } from './lock.js'
import { Semaphore, type SemaphoreActorOptions } from './semaphore.js'

export class Consul extends ConsulHttpClient {
  /**
   * A lock on one key (Go's `api.Lock`). Options are validated here, so a bad one throws an
   * `InvalidOptionError` before any request; nothing is sent until `acquire`. `inspect` (an
   * XState inspection observer, such as `createInspector()`'s from `consul-lock-machine/inspect`)
   * and `id` go to the lock's actor; they may be given in `options` or in `actorOptions`.
   *
   * @example
   * ```ts
   * const lock = consul.lock({ key: 'service/leader', value: 'node-a' })
   * await lock.withLock(async (signal) => runAsLeader(signal))
   *
   * const inspector = await createInspector()
   * const watched = consul.lock({ key: 'service/cron', inspect: inspector.inspect })
   * ```
   */
  lock(options: LockOptions & LockActorOptions, actorOptions?: LockActorOptions): Lock {
    return new Lock(this, options, actorOptions)
  }

  /**
   * A counting semaphore under one prefix (Go's `api.Semaphore`): at most `limit` holders at
   * once. Options are validated here; nothing is sent until `acquire`. `inspect` and `id` go to
   * the semaphore's actor, as for `lock`.
   *
   * @example
   * ```ts
   * const semaphore = consul.semaphore({ prefix: 'service/workers', limit: 2 })
   * await semaphore.withPermit(async (signal) => work(signal))
   * ```
   */
  semaphore(
    options: SemaphoreOptions & SemaphoreActorOptions,
    actorOptions?: SemaphoreActorOptions,
  ): Semaphore {
    return new Semaphore(this, options, actorOptions)
  }

  /**
   * A leader election on one key, built on a lock: campaign, resign, proclaim, observe.
   * Options are the lock's; `value` is this candidate's value while it leads. `inspect` and
   * `id` go to the actor of the lock behind it, as for `lock`.
   *
   * @example
   * ```ts
   * const election = consul.election({ key: 'service/leader', value: 'node-a' })
   * await election.run(async (signal) => lead(signal), { autoRequeue: true })
   * ```
   */
  election(options: ElectionOptions & LockActorOptions, actorOptions?: LockActorOptions): Election {
    return new Election(this, options, actorOptions)
  }
}
