/**
 * Client behaviour that needs control over the server: ACLs with a known management token and
 * injected failures. Both need the dev server, so they skip against a real agent (which has its
 * own ACL setup and cannot be told to fail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Consul } from '../../../src/consul/client.js'
import { ConsulError, isRetryable } from '../../../src/errors.js'
import { clientFor } from '../../support/client-target.js'
import {
  againstRealConsul,
  type ConsulTarget,
  startTarget,
  uniquePrefix,
} from '../../support/consul-target.js'

const ACL_TOKEN = 'c0ffee00-aaaa-4bbb-8ccc-dddddddddddd'

describe('ACL token', () => {
  let target: ConsulTarget
  let withToken: Consul
  let withoutToken: Consul
  const prefix = uniquePrefix('client-acl')

  beforeAll(async () => {
    if (againstRealConsul) return
    target = await startTarget({ aclToken: ACL_TOKEN })
    withToken = clientFor(target, { token: ACL_TOKEN })
    withoutToken = clientFor(target, { token: '' })
  })

  afterAll(async () => {
    if (againstRealConsul) return
    await withToken.kv.delete(`${prefix}/`, { recurse: true })
    await withToken.close()
    await withoutToken.close()
    await target.close()
  })

  // Needs a server whose management token we choose; a real agent's ACLs are its own.
  it.skipIf(againstRealConsul)('is sent so that a default-deny server accepts the request', async () => {
    const key = `${prefix}/guarded`
    expect(await withToken.kv.put(key, 'v')).toBe(true)
    expect((await withToken.kv.get(key)).value?.value?.toString()).toBe('v')
    const id = await withToken.session.create({ ttl: `${target.minTTLms}ms` })
    await withToken.session.destroy(id)
  })

  // Needs a server whose management token we choose; a real agent's ACLs are its own.
  it.skipIf(againstRealConsul)(
    'without it the server answers 403, and the error never shows a token',
    async () => {
      const error = await withoutToken.kv.put(`${prefix}/denied`, 'v').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConsulError)
      expect(error).toMatchObject({ status: 403, method: 'PUT', retryable: false })
      expect((error as ConsulError).body).toContain('Permission denied')

      const wrong = clientFor(target, { token: 'wrong-token-value' })
      try {
        const denied = await wrong.kv.get(`${prefix}/x`).catch((e: unknown) => e)
        expect(denied).toMatchObject({ status: 403 })
        expect(JSON.stringify(denied)).not.toContain('wrong-token-value')
        expect((denied as Error).message).not.toContain('wrong-token-value')
      } finally {
        await wrong.close()
      }
    },
  )
})

describe('server failures', () => {
  let target: ConsulTarget
  let consul: Consul
  const prefix = uniquePrefix('client-faults')

  beforeAll(async () => {
    if (againstRealConsul) return
    target = await startTarget()
    consul = clientFor(target)
  })

  afterAll(async () => {
    if (againstRealConsul) return
    await consul.kv.delete(`${prefix}/`, { recurse: true })
    await consul.close()
    await target.close()
  })

  // Fault injection exists only in the dev server.
  it.skipIf(againstRealConsul)(
    'a 500 becomes a retryable ConsulError, and the next call succeeds',
    async () => {
      const key = `${prefix}/k`
      await consul.kv.put(key, 'v')
      target.server?.faults.failNext(1, {
        status: 500,
        body: 'No cluster leader',
        method: 'GET',
        pathPrefix: '/v1/kv/',
      })

      const error = await consul.kv.get(key).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConsulError)
      expect(error).toMatchObject({ status: 500, method: 'GET', path: `/v1/kv/${prefix}/k`, retryable: true })
      expect((error as ConsulError).body).toContain('No cluster leader')
      expect(isRetryable(error)).toBe(true)

      expect((await consul.kv.get(key)).value?.value?.toString()).toBe('v')
    },
  )

  // Fault injection exists only in the dev server.
  it.skipIf(againstRealConsul)('a 429 on a write becomes a retryable ConsulError', async () => {
    target.server?.faults.failNext(1, {
      status: 429,
      body: 'Rate limit reached, try again later',
      method: 'PUT',
    })
    const error = await consul.kv.put(`${prefix}/limited`, 'v').catch((e: unknown) => e)
    expect(error).toMatchObject({ status: 429, retryable: true })
  })
})
