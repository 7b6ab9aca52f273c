/**
 * `consul.semaphore(options)`: the promise facade over the semaphore statechart. (Being written.)
 */
import type { LockClient } from '../machines/actors/index.js'
import type { SemaphoreOptions } from '../machines/semaphore.options.js'

export type SemaphoreActorOptions = Record<string, never>

export class Semaphore {
  /** @internal Use `consul.semaphore(options)`. */
  constructor(_client: LockClient, _options: SemaphoreOptions, _actorOptions: SemaphoreActorOptions = {}) {}
}
