import { fromPromise } from 'xstate'
import type { KVPair } from '../../src/consul/types.js'
import type { LockClient } from './lock-client.js'

export interface ListPrefixInput {
  /** The semaphore prefix, without a trailing slash. */
  prefix: string
  /** Blocks until the prefix's index exceeds this; `0n` answers at once. */
  index: bigint
  /** The longest the server may block, in ms; `undefined` for Consul's default (5 min). */
  waitMs?: number
  consistent: boolean
}

export interface PrefixListing {
  /** Every key under `<prefix>/`, sorted by key. */
  pairs: KVPair[]
  /** `X-Consul-Index` of the answer: the index to block on next. */
  index: bigint
}

/**
 * `GET /v1/kv/<prefix>/?recurse`, blocking when `index` is set: the semaphore's waiting and
 * monitoring loops. Go lists the bare prefix, which also matches `<prefix>x/…`; listing with the
 * slash reads the same record and contender keys and nothing of a neighbouring prefix.
 */
export const listPrefix = (client: LockClient) =>
  fromPromise<PrefixListing, ListPrefixInput>(async ({ input, signal }) => {
    const { value, meta } = await client.kv.list(`${input.prefix}/`, {
      index: input.index,
      ...(input.waitMs === undefined ? {} : { wait: input.waitMs }),
      consistent: input.consistent,
      signal,
    })
    return { pairs: value, index: meta.lastIndex }
  })
