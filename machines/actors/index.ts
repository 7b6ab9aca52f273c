/**
 * The lock machine's actors, one per Consul call, bound to a client.
 */
import { acquireKey } from './acquire-key.js'
import { createSession } from './create-session.js'
import { deleteKey } from './delete-key.js'
import { destroySession } from './destroy-session.js'
import type { LockClient } from './lock-client.js'
import { readKey } from './read-key.js'
import { releaseKey } from './release-key.js'
import { renewSession } from './renew-session.js'

/**
 * The actors of `lockMachine`, bound to `client` (a `Consul`, or anything shaped like it).
 *
 * @example
 * ```ts
 * const machine = lockMachine.provide({ actors: createLockActors(consul) })
 * ```
 */
export function createLockActors(client: LockClient) {
  return {
    createSession: createSession(client),
    renewSession: renewSession(client),
    destroySession: destroySession(client),
    readKey: readKey(client),
    acquireKey: acquireKey(client),
    releaseKey: releaseKey(client),
    deleteKey: deleteKey(client),
  }
}

export type LockActors = ReturnType<typeof createLockActors>
export type { LockClient } from './lock-client.js'
