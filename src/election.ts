/**
 * `consul.election(options)`: leader election on one key, over the lock. (Being written.)
 */
import type { LockOptions } from '../machines/lock.options.js'
import type { Consul } from './client.js'
import type { LockActorOptions } from './lock.js'

export type ElectionOptions = LockOptions

export class Election {
  /** @internal Use `consul.election(options)`. */
  constructor(_consul: Consul, _options: ElectionOptions, _actorOptions: LockActorOptions = {}) {}
}
