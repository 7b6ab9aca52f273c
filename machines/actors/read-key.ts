import { fromPromise } from 'xstate'
import type { KVPair } from '../../src/consul/types.js'
import type { LockClient } from './lock-client.js'

export interface ReadKeyInput {
  key: string
  /** Blocks until the key's index exceeds this; `0n` answers at once. */
  index: bigint
  /** The longest the server may block, in ms; `undefined` for Consul's default (5 min). */
  waitMs?: number
  consistent: boolean
}

export interface KeyRead {
  pair: KVPair | null
  /** `X-Consul-Index` of the answer: the index to block on next. */
  index: bigint
}

/** `GET /v1/kv/<key>`, blocking when `index` is set: the waiting and monitoring loops. */
export const readKey = (client: LockClient) =>
  fromPromise<KeyRead, ReadKeyInput>(async ({ input, signal }) => {
    const { value, meta } = await client.kv.get(input.key, {
      index: input.index,
      ...(input.waitMs === undefined ? {} : { wait: input.waitMs }),
      consistent: input.consistent,
      signal,
    })
    return { pair: value, index: meta.lastIndex }
  })
