import { fromPromise } from 'xstate'
import type { LockClient } from './lock-client.js'

export interface DestroySessionInput {
  session: string
}

/** `PUT /v1/session/destroy/<id>`. */
export const destroySession = (client: LockClient) =>
  fromPromise<void, DestroySessionInput>(async ({ input, signal }) => {
    await client.session.destroy(input.session, { signal })
  })
