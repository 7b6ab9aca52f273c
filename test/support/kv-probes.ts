/**
 * What tests do behind a client's back: read a key's stored value, and destroy a session by raw
 * HTTP as an operator (or a failed health check) would, forcing a holder to lose its lock.
 */
import { expect } from 'vitest'
import type { Consul } from '../../src/client.js'
import type { ConsulTarget } from './consul-target.js'
import { raw } from './raw-http.js'

/** The value stored under `key` as UTF-8 (`null`: the key is missing or empty). */
export async function storedValue(consul: Consul, key: string): Promise<string | null> {
  return (await consul.kv.get(key)).value?.value?.toString() ?? null
}

/** `PUT /v1/session/destroy/<id>`, sent without the client under test. */
export async function destroySessionBehindItsBack(
  target: Pick<ConsulTarget, 'address' | 'token'>,
  id: string,
): Promise<void> {
  const res = await raw(target, 'PUT', `/v1/session/destroy/${id}`)
  expect(res.status).toBe(200)
}
