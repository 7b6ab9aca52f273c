import { describe, expect, it } from 'vitest'
import { againstRealConsul, uniquePrefix, useTarget } from '../../support/consul-target.js'
import { createSession, raw } from '../../support/raw-http.js'

// ACL mode is switched on through a dev-server option; a real agent's ACL setup is not ours to
// change, so this suite only runs against the dev server.
describe.skipIf(againstRealConsul)('ACL mode (aclToken set)', () => {
  const management = 'root-secret-for-tests'
  const t = useTarget({ aclToken: management })

  const anonymousDenial = (permission: string, name: string): string =>
    `Permission denied: anonymous token lacks permission '${permission}' on "${name}". ` +
    'The anonymous token is used implicitly when a request does not specify a token.'

  it('lets the management token do everything, via any of the three token carriers', async () => {
    const key = `${uniquePrefix('acl')}/k`
    expect((await raw(t, 'PUT', `/v1/kv/${key}`, { body: 'v' })).status).toBe(200)
    expect((await raw(t, 'GET', `/v1/kv/${key}?token=${management}`, { token: null })).status).toBe(200)
    const bearer = await raw(t, 'GET', `/v1/kv/${key}`, {
      token: null,
      headers: { Authorization: `Bearer ${management}` },
    })
    expect(bearer.status).toBe(200)
    expect(bearer.headers['x-consul-default-acl-policy']).toBe('deny')
  })

  it('answers an unknown token with 403 ACL not found, never echoing it', async () => {
    const res = await raw(t, 'GET', `/v1/kv/${uniquePrefix('acl')}/k`, { token: 'who-knows' })
    expect(res.status).toBe(403)
    expect(res.text).toBe('ACL not found')
    const conflict = await raw(t, 'PUT', '/v1/kv/x?cas=0&acquire=y&token=secret-value', { token: null })
    expect(conflict.text).not.toContain('secret-value')
  })

  it('denies the anonymous token with the exact permission texts', async () => {
    const key = `${uniquePrefix('acl')}/k`
    const read = await raw(t, 'GET', `/v1/kv/${key}`, { token: null })
    expect(read.status).toBe(403)
    expect(read.text).toBe(anonymousDenial('key:read', key))
    expect((await raw(t, 'PUT', `/v1/kv/${key}`, { token: null })).text).toBe(
      anonymousDenial('key:write', key),
    )
    expect((await raw(t, 'DELETE', `/v1/kv/${key}`, { token: null })).text).toBe(
      anonymousDenial('key:write', key),
    )
    const session = await raw(t, 'PUT', '/v1/session/create', { token: null })
    expect(session.status).toBe(403)
    expect(session.text).toMatch(
      /^Permission denied: anonymous token lacks permission 'session:write' on ".+"\. /,
    )
  })

  it('filters lists silently; the filtered header appears only when a token was sent', async () => {
    const prefix = uniquePrefix('acl')
    await raw(t, 'PUT', `/v1/kv/${prefix}/a`, { body: 'v' })
    await createSession(t)
    const implicit = await raw(t, 'GET', `/v1/kv/${prefix}/?recurse`, { token: null })
    expect(implicit.status).toBe(404)
    expect(implicit.headers['x-consul-results-filtered-by-acls']).toBeUndefined()
    const explicit = await raw(t, 'GET', `/v1/kv/${prefix}/?keys`, { token: 'anonymous' })
    expect(explicit.status).toBe(404)
    expect(explicit.headers['x-consul-results-filtered-by-acls']).toBe('true')
    const sessions = await raw(t, 'GET', '/v1/session/list', { token: 'anonymous' })
    expect(sessions.json()).toEqual([])
    expect(sessions.headers['x-consul-results-filtered-by-acls']).toBe('true')
    expect((await raw(t, 'GET', '/v1/session/list')).json<unknown[]>().length).toBeGreaterThan(0)
  })

  it('turns denied txn ops into 409 Errors[] entries', async () => {
    const key = `${uniquePrefix('acl')}/t`
    const res = await raw(t, 'PUT', '/v1/txn', {
      token: null,
      body: JSON.stringify([
        { KV: { Verb: 'set', Key: key } },
        { KV: { Verb: 'check-index', Key: key, Index: 1 } },
      ]),
    })
    expect(res.status).toBe(409)
    expect(res.json()).toEqual({
      Results: null,
      Errors: [
        { OpIndex: 0, What: anonymousDenial('key:write', key) },
        { OpIndex: 1, What: anonymousDenial('key:read', key) },
      ],
    })
  })
})
