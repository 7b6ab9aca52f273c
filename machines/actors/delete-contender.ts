import { fromPromise } from 'xstate'
import type { LockClient } from './lock-client.js'

export interface DeleteContenderInput {
  /** `<prefix>/<session>`. */
  key: string
}

/** `DELETE /v1/kv/<prefix>/<session>`: the contender entry, ours whatever its state. */
export const deleteContender = (client: LockClient) =>
  fromPromise<void, DeleteContenderInput>(async ({ input, signal }) => {
    await client.kv.delete(input.key, { signal })
  })
