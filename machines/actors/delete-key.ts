import { fromPromise } from 'xstate'
import type { LockClient } from './lock-client.js'

export interface DeleteKeyInput {
  key: string
  /** Deletes only if the key is still at this ModifyIndex. */
  modifyIndex: bigint
}

/** `DELETE /v1/kv/<key>?cas=<ModifyIndex>`: `false` when the key changed since it was read. */
export const deleteKey = (client: LockClient) =>
  fromPromise<boolean, DeleteKeyInput>(async ({ input, signal }) =>
    client.kv.delete(input.key, { cas: input.modifyIndex, signal }),
  )
