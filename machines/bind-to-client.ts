import type { AnyStateMachine } from 'xstate'
import type { LockClient } from './actors/index.js'

/**
 * `machine` bound to a client by `actorsOf(client)`, once per client: `provide` rebuilds the
 * whole state tree, so every lock (or semaphore) of one client shares one machine.
 */
export function bindToClient<TMachine extends AnyStateMachine, TActors>(
  machine: TMachine,
  actorsOf: (client: LockClient) => TActors,
): (client: LockClient) => TMachine {
  const bound = new WeakMap<LockClient, TMachine>()
  return (client) => {
    let provided = bound.get(client)
    if (provided === undefined) {
      provided = machine.provide({ actors: actorsOf(client) as Record<string, never> }) as TMachine
      bound.set(client, provided)
    }
    return provided
  }
}
