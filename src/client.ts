/**
 * The public `Consul` client: the HTTP client plus the lock (and later semaphore) factories.
 * It lives apart from `src/consul/`, which knows nothing of the machines.
 */
import type { LockOptions } from '../machines/lock.options.js'
import { Consul as ConsulHttpClient } from './consul/client.js'
import { Lock, type LockActorOptions } from './lock.js'

export class Consul extends ConsulHttpClient {
  /**
   * A lock on one key (Go's `api.Lock`). Options are validated here, so a bad one throws an
   * `InvalidOptionError` before any request; nothing is sent until `acquire`.
   *
   * @example
   * ```ts
   * const lock = consul.lock({ key: 'service/leader', value: 'node-a' })
   * await lock.withLock(async (signal) => runAsLeader(signal))
   * ```
   */
  lock(options: LockOptions, actorOptions?: LockActorOptions): Lock {
    return new Lock(this, options, actorOptions)
  }
}
