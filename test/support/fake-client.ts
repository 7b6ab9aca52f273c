/**
 * A stand-in for the Consul client the machines' actors call (`LockClient`): every method a
 * `vi.fn` failing unless a test gives it an answer, and a runner for one promise actor.
 */
import { vi } from 'vitest'
import { type AnyActorLogic, createActor, type InputFrom, type OutputFrom, toPromise } from 'xstate'
import type { LockClient } from '../../machines/actors/index.js'
import type { QueryMeta } from '../../src/consul/types.js'

/** The meta of a read answered at `lastIndex`. */
export function meta(lastIndex: bigint): QueryMeta {
  return { lastIndex, knownLeader: true, lastContact: 0 }
}

/** A LockClient whose every method is a `vi.fn` failing unless a test gives it an answer. */
export function fakeClient() {
  const unexpected = (name: string) => () => Promise.reject(new Error(`unexpected call: ${name}`))
  return {
    kv: {
      get: vi.fn<LockClient['kv']['get']>(unexpected('kv.get')),
      list: vi.fn<LockClient['kv']['list']>(unexpected('kv.list')),
      put: vi.fn<LockClient['kv']['put']>(unexpected('kv.put')),
      acquire: vi.fn<LockClient['kv']['acquire']>(unexpected('kv.acquire')),
      release: vi.fn<LockClient['kv']['release']>(unexpected('kv.release')),
      delete: vi.fn<LockClient['kv']['delete']>(unexpected('kv.delete')),
    },
    session: {
      create: vi.fn<LockClient['session']['create']>(unexpected('session.create')),
      renew: vi.fn<LockClient['session']['renew']>(unexpected('session.renew')),
      destroy: vi.fn<LockClient['session']['destroy']>(unexpected('session.destroy')),
    },
    txn: vi.fn<LockClient['txn']>(unexpected('txn')),
  } satisfies LockClient
}

/** Runs a promise actor to its output (or rejection). */
export function run<TLogic extends AnyActorLogic>(
  logic: TLogic,
  input: InputFrom<TLogic>,
): Promise<OutputFrom<TLogic>> {
  const actor = createActor(logic, { input })
  const done = toPromise(actor)
  actor.start()
  return done
}
