import { createLockActors } from './actors/index.js'
import { bindToClient } from './bind-to-client.js'
import { lockMachine } from './lock.machine.js'

export type LockMachine = typeof lockMachine

/**
 * `lockMachine` bound to a Consul client: what a user's machine invokes to embed a lock. The
 * same client always gets the same machine.
 *
 * @example
 * ```ts
 * const service = setup({ actors: { lock: createLockMachine(consul) } }).createMachine({
 *   invoke: { id: 'lock', src: 'lock', input: { key: 'service/leader' } },
 *   entry: sendTo('lock', { type: 'ACQUIRE' }),
 *   on: { 'lock.acquired': '.leading', 'lock.lost': '.following' },
 * })
 * ```
 */
export const createLockMachine = bindToClient(lockMachine, createLockActors)
