import { fromPromise } from 'xstate'
import { SEMAPHORE_FLAG_VALUE } from '../flags.js'
import type { LockClient } from './lock-client.js'

export interface WriteRecordInput {
  /** `<prefix>/.lock`. */
  key: string
  /** The encoded record. */
  value: string
  /** Writes only if the record is still at this ModifyIndex (`0n`: only if it does not exist). */
  modifyIndex: bigint
}

/**
 * `PUT /v1/kv/<prefix>/.lock?cas=<ModifyIndex>&flags=<SemaphoreFlagValue>`: `false` when the
 * record changed since it was read (then nothing is written).
 */
export const writeRecord = (client: LockClient) =>
  fromPromise<boolean, WriteRecordInput>(async ({ input, signal }) =>
    client.kv.put(input.key, input.value, { cas: input.modifyIndex, flags: SEMAPHORE_FLAG_VALUE, signal }),
  )
