/**
 * The part of the Consul client the lock and semaphore actors use. Machines depend on this
 * interface only, so tests can hand them any object that behaves like it.
 */
import type { KVEndpoint } from '../../src/consul/kv.js'
import type { SessionEndpoint } from '../../src/consul/session.js'
import type { CallOptions, TxnOp, TxnResult } from '../../src/consul/types.js'

export interface LockClient {
  readonly kv: Pick<KVEndpoint, 'get' | 'list' | 'put' | 'acquire' | 'release' | 'delete'>
  readonly session: Pick<SessionEndpoint, 'create' | 'renew' | 'destroy'>
  txn(ops: readonly TxnOp[], options?: CallOptions): Promise<TxnResult>
}

function unbound(): never {
  throw new Error(
    'This machine has no Consul client: use createLockMachine(consul) or createSemaphoreMachine(consul), ' +
      'or provide the actors: lockMachine.provide({ actors: createLockActors(consul) }).',
  )
}

/** A client whose every call fails: the actors of a machine nobody bound to Consul. @internal */
export const UNBOUND_CLIENT: LockClient = {
  kv: { get: unbound, list: unbound, put: unbound, acquire: unbound, release: unbound, delete: unbound },
  session: { create: unbound, renew: unbound, destroy: unbound },
  txn: unbound,
}
