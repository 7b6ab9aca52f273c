import { fromPromise } from 'xstate'
import { LOCK_FLAG_VALUE } from '../flags.js'
import type { LockClient } from './lock-client.js'

export interface ReleaseKeyInput {
  key: string
  session: string
  value: string | Uint8Array | null
}

/**
 * `PUT /v1/kv/<key>?release=<session>&flags=<LockFlagValue>`: `false` when the session did not
 * hold the key (then nothing is written).
 */
export const releaseKey = (client: LockClient) =>
  fromPromise<boolean, ReleaseKeyInput>(async ({ input, signal }) =>
    client.kv.release(input.key, input.session, input.value, { flags: LOCK_FLAG_VALUE, signal }),
  )
