import { fromPromise } from 'xstate'
import { SEMAPHORE_FLAG_VALUE } from '../flags.js'
import type { LockClient } from './lock-client.js'

export interface AcquireContenderInput {
  /** `<prefix>/<session>`. */
  key: string
  session: string
  value: string | Uint8Array | null
}

/**
 * `PUT /v1/kv/<prefix>/<session>?acquire=<session>&flags=<SemaphoreFlagValue>`: the contender
 * entry, whose session makes its holder count as alive. `false` when Consul refused it.
 */
export const acquireContender = (client: LockClient) =>
  fromPromise<boolean, AcquireContenderInput>(async ({ input, signal }) =>
    client.kv.acquire(input.key, input.session, input.value, { flags: SEMAPHORE_FLAG_VALUE, signal }),
  )
