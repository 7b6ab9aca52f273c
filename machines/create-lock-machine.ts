import { createLockActors, type LockClient } from './actors/index.js'
import { lockMachine } from './lock.machine.js'

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
export function createLockMachine(client: LockClient): LockMachine {
  let machine = boundMachines.get(client)
  if (machine === undefined) {
    machine = lockMachine.provide({ actors: createLockActors(client) })
    boundMachines.set(client, machine)
  }
  return machine
}

// `provide` rebuilds the whole state tree, so every lock of one client shares one machine.
const boundMachines = new WeakMap<LockClient, LockMachine>()

export type LockMachine = typeof lockMachine
