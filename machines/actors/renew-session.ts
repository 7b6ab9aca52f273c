import { fromPromise } from 'xstate'
import { parseGoDuration } from '../../src/consul/duration.js'
import type { LockClient } from './lock-client.js'

export interface RenewSessionInput {
  session: string
}

export interface RenewedSession {
  /** The TTL the server answered with, in ms (0 when the session has none). */
  ttlMs: number
  /** How long the renew took, so the lease deadline can count from when it was sent. */
  elapsedMs: number
}

/** `PUT /v1/session/renew/<id>`: `null` when the session is gone (404). */
export const renewSession = (client: LockClient) =>
  fromPromise<RenewedSession | null, RenewSessionInput>(async ({ input, signal }) => {
    const sentAt = performance.now()
    const entry = await client.session.renew(input.session, { signal })
    if (entry === null) return null
    return { ttlMs: parseGoDuration(entry.ttl) ?? 0, elapsedMs: performance.now() - sentAt }
  })
