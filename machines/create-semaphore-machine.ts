import { createSemaphoreActors } from './actors/index.js'
import { bindToClient } from './bind-to-client.js'
import { semaphoreMachine } from './semaphore.machine.js'

export type SemaphoreMachine = typeof semaphoreMachine

/**
 * `semaphoreMachine` bound to a Consul client: what a user's machine invokes to embed a
 * semaphore. The same client always gets the same machine.
 *
 * @example
 * ```ts
 * const worker = setup({ actors: { slot: createSemaphoreMachine(consul) } }).createMachine({
 *   invoke: { id: 'slot', src: 'slot', input: { prefix: 'service/workers', limit: 2 } },
 *   entry: sendTo('slot', { type: 'ACQUIRE' }),
 *   on: { 'semaphore.acquired': '.working', 'semaphore.lost': '.waiting' },
 * })
 * ```
 */
export const createSemaphoreMachine = bindToClient(semaphoreMachine, createSemaphoreActors)
