import { fromPromise } from 'xstate'
import type { SessionCreateOptions } from '../../src/consul/types.js'
import type { LockClient } from './lock-client.js'

export interface CreateSessionInput {
  sessionOptions: SessionCreateOptions
}

export interface CreatedSession {
  id: string
  /** How long the create took, so the lease deadline can count from when it was sent. */
  elapsedMs: number
}

/** `PUT /v1/session/create`. */
export const createSession = (client: LockClient) =>
  fromPromise<CreatedSession, CreateSessionInput>(async ({ input, signal }) => {
    const sentAt = performance.now()
    const id = await client.session.create(input.sessionOptions, { signal })
    return { id, elapsedMs: performance.now() - sentAt }
  })
