import { createLockActors, type LockClient } from './actors/index.js'
import { lockMachine } from './lock.machine.js'

/**
 * `lockMachine` bound to a Consul client: what a user's machine invokes to embed a lock.
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
export function createLockMachine(client: LockClient) {
  return lockMachine.provide({ actors: createLockActors(client) })
}

export type LockMachine = typeof lockMachine
