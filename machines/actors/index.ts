/**
 * The actors of the lock and semaphore machines, one per Consul call, bound to a client.
 */
import { acquireContender } from './acquire-contender.js'
import { acquireKey } from './acquire-key.js'
import { createSession } from './create-session.js'
import { deleteContender } from './delete-contender.js'
import { deleteKey } from './delete-key.js'
import { destroySession } from './destroy-session.js'
import { listPrefix } from './list-prefix.js'
import type { LockClient } from './lock-client.js'
import { readKey } from './read-key.js'
import { releaseKey } from './release-key.js'
import { renewSession } from './renew-session.js'
import { writeRecord } from './write-record.js'

/** The session actors both machines invoke. */
function sessionActors(client: LockClient) {
  return {
    createSession: createSession(client),
    renewSession: renewSession(client),
    destroySession: destroySession(client),
  }
}

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
    ...sessionActors(client),
    readKey: readKey(client),
    acquireKey: acquireKey(client),
    releaseKey: releaseKey(client),
    deleteKey: deleteKey(client),
  }
}

/**
 * The actors of `semaphoreMachine`, bound to `client` (a `Consul`, or anything shaped like it).
 * The record is read and deleted by check-and-set with the lock's `readKey` and `deleteKey`.
 *
 * @example
 * ```ts
 * const machine = semaphoreMachine.provide({ actors: createSemaphoreActors(consul) })
 * ```
 */
export function createSemaphoreActors(client: LockClient) {
  return {
    ...sessionActors(client),
    listPrefix: listPrefix(client),
    acquireContender: acquireContender(client),
    writeRecord: writeRecord(client),
    readRecord: readKey(client),
    deleteContender: deleteContender(client),
    deleteRecord: deleteKey(client),
  }
}

export type LockActors = ReturnType<typeof createLockActors>
export type SemaphoreActors = ReturnType<typeof createSemaphoreActors>
export type { LockClient } from './lock-client.js'
