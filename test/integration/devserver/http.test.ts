import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { againstRealConsul, uniquePrefix, useTarget } from '../../support/consul-target.js'
import { raw, rawRequestLine } from '../../support/raw-http.js'

// Shared HTTP plumbing (consul-api.md §1): routing, encoding, headers, parse(). Runs against a
// real agent too.
const t = useTarget()

describe('routing', () => {
  it.each([
    ['POST', '/v1/kv/x', 'OPTIONS,GET,PUT,DELETE'],
    ['GET', '/v1/txn', 'OPTIONS,PUT'],
    ['GET', '/v1/session/create', 'OPTIONS,PUT'],
    ['DELETE', '/v1/session/info/x', 'OPTIONS,GET'],
    ['PUT', '/v1/session/list', 'OPTIONS,GET'],
  ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
    const res = await raw(t, method, path)
    expect(res.status).toBe(405)
    expect(res.text).toBe(`method ${method} not allowed`)
    expect(res.headers.allow).toBe(allow)
  })

  it('answers OPTIONS with 200, an empty body and Allow', async () => {
    const res = await raw(t, 'OPTIONS', '/v1/kv/x')
    expect(res.status).toBe(200)
    expect(res.text).toBe('')
    expect(res.headers.allow).toBe('OPTIONS,GET,PUT,DELETE')
  })

  it('answers an unknown /v1/ path with 404 and the exact text', async () => {
    for (const path of ['/v1/nope', '/v1/session/create/x', '/v1/txn/']) {
      const res = await raw(t, 'GET', path)
      expect(res.status).toBe(404)
      expect(res.text).toBe('Invalid URL path: not a recognized HTTP API endpoint\n')
    }
  })

  // The Index handler catches every unclaimed path; its hint depends on whether `/v1/` appears.
  it('answers a path outside /v1/ with 404 and the hint to use /v1/, without API headers', async () => {
    for (const path of ['/nope', '/v2/kv/x']) {
      const res = await raw(t, 'GET', path)
      expect(res.status, path).toBe(404)
      expect(res.text, path).toBe(
        "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'\n",
      )
      expect(res.headers['x-consul-default-acl-policy'], path).toBeUndefined()
    }
  })

  // A real `consul agent -dev` serves its web UI and redirects `/` to `/ui/`; the dev server has
  // no UI and answers like an agent with the UI disabled.
  it.skipIf(againstRealConsul)('answers / like an agent without the UI', async () => {
    const res = await raw(t, 'GET', '/')
    expect(res.status).toBe(200)
    expect(res.text).toMatch(/^Consul Agent: UI disabled\./)
  })

  // `wrap` runs url.ParseQuery before anything else and answers its error with an empty 500.
  it.each([
    ['GET', '/v1/kv/x?index=%zz'],
    ['PUT', '/v1/kv/x?flags=1&a;b'],
    ['OPTIONS', '/v1/kv/x?%'],
    ['DELETE', '/v1/session/list?q=%G1'],
    ['PUT', '/v1/session/create?dc=dc1;x'],
  ])('answers %s %s (a query Go cannot parse) with an empty 500', async (method, path) => {
    const res = await raw(t, method, path)
    expect(res.status).toBe(500)
    expect(res.text).toBe('')
    expect(res.headers['x-consul-default-acl-policy']).toBeDefined()
  })

  it('redirects non-canonical paths with 301 to the cleaned path, keeping the query', async () => {
    const cases: Array<[string, string]> = [
      ['/v1/kv/a//b?raw', '/v1/kv/a/b?raw'],
      ['/v1/kv/a/./b', '/v1/kv/a/b'],
      ['/v1/kv/a/x/../b', '/v1/kv/a/b'],
      ['/v1/kv/a%2F%2Fb', '/v1/kv/a/b'],
      ['/v1/kv', '/v1/kv/'],
      ['/v1/session/info', '/v1/session/info/'],
    ]
    for (const [from, to] of cases) {
      // Sent verbatim: an HTTP client would normalise the dot segments away.
      const res = await rawRequestLine(t, 'GET', from)
      expect(res.status, from).toBe(301)
      expect(res.headers.location, from).toBe(to)
    }
  })
})

describe('encoding', () => {
  it('pretty-prints JSON with 4 spaces and a trailing newline, escaping <, > and &', async () => {
    const key = `${uniquePrefix('enc')}/<&>`
    await raw(t, 'PUT', `/v1/kv/${encodeURIComponent(key).replace(/%2F/g, '/')}`, { body: 'v' })
    const res = await raw(t, 'GET', `/v1/kv/${encodeURIComponent(key).replace(/%2F/g, '/')}`)
    expect(res.status).toBe(200)
    expect(res.text).toMatch(/^\[\n {4}\{\n {8}"LockIndex": 0,\n/)
    expect(res.text.endsWith('}\n]\n')).toBe(true)
    expect(res.text).toContain('\\u003c\\u0026\\u003e')
  })

  it('pretty-prints booleans too (`true\\n`)', async () => {
    const res = await raw(t, 'PUT', `/v1/kv/${uniquePrefix('enc')}/b`)
    expect(res.text).toBe('true\n')
    expect(res.headers['content-type']).toBe('application/json')
  })

  it('gzips responses of 1400+ bytes when asked to', async () => {
    const prefix = uniquePrefix('gzip')
    await raw(t, 'PUT', `/v1/kv/${prefix}/big`, { body: 'x'.repeat(3000) })
    const res = await request(`${t.address}/v1/kv/${prefix}/big`, {
      headers: { 'accept-encoding': 'gzip', ...(t.token ? { 'x-consul-token': t.token } : {}) },
    })
    await res.body.arrayBuffer()
    expect(res.headers['content-encoding']).toBe('gzip')
  })
})

describe('headers', () => {
  it('sends the read meta headers on KV and session reads, never X-Consul-Index 0', async () => {
    const missing = await raw(t, 'GET', `/v1/kv/${uniquePrefix('hdr')}/none`)
    for (const res of [missing, await raw(t, 'GET', '/v1/session/list')]) {
      expect(Number(res.headers['x-consul-index'])).toBeGreaterThanOrEqual(1)
      expect(res.headers['x-consul-knownleader']).toBe('true')
      expect(res.headers['x-consul-lastcontact']).toBe('0')
      expect(res.headers['x-consul-query-backend']).toBe('blocking-query')
      expect(res.headers['x-consul-effective-consistency']).toBeUndefined()
    }
  })

  it('sends no meta headers on writes, and the default ACL policy everywhere', async () => {
    const res = await raw(t, 'PUT', `/v1/kv/${uniquePrefix('hdr')}/w`)
    expect(res.headers['x-consul-index']).toBeUndefined()
    expect(res.headers['x-consul-knownleader']).toBeUndefined()
    expect(res.headers['x-consul-default-acl-policy']).toBe(
      t.server ? 'allow' : res.headers['x-consul-default-acl-policy'],
    )
  })
})

describe('parse()', () => {
  const key = `${uniquePrefix('parse')}/k`
  it.each([
    ['stale&consistent', 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
    ['stale=false&consistent', 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
    ['max_stale=5s&consistent', 'Cannot specify ?stale with ?consistent, conflicting semantics.'],
    ['cached&consistent', 'Cannot specify ?cached with ?consistent, conflicting semantics.'],
    ['max_stale=abc', 'Invalid max_stale value "abc"'],
    ['wait=10', 'Invalid wait time'],
    ['wait=xs', 'Invalid wait time'],
    ['index=-1', 'Invalid index'],
    ['index=abc', 'Invalid index'],
    ['ns=foo', 'Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature'],
    ['partition=foo', 'Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature'],
  ])('?%s → 400 %s (for every KV method)', async (query, text) => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await raw(t, method, `/v1/kv/${key}?${query}`)
      expect(res.status, method).toBe(400)
      expect(res.text, method).toBe(text)
    }
  })

  it('rejects namespace and partition headers, and a bad Cache-Control', async () => {
    const ns = await raw(t, 'GET', `/v1/kv/${key}`, { headers: { 'X-Consul-Namespace': 'x' } })
    expect(ns.text).toBe('Invalid header: "X-Consul-Namespace" - Namespaces are a Consul Enterprise feature')
    const ap = await raw(t, 'GET', `/v1/kv/${key}`, { headers: { 'X-Consul-Partition': 'x' } })
    expect(ap.text).toBe('Invalid header: "X-Consul-Partition" - Partitions are a Consul Enterprise feature')
    const cc = await raw(t, 'GET', `/v1/kv/${key}`, { headers: { 'Cache-Control': 'max-age=abc' } })
    expect(cc.status).toBe(400)
    expect(cc.text).toBe('Invalid Cache-Control header.')
  })

  it('ignores empty wait/index values and accepts ?stale, ?consistent, ?leader alone', async () => {
    for (const query of ['wait=&index=', 'stale', 'consistent', 'leader']) {
      expect((await raw(t, 'GET', `/v1/kv/${key}?${query}`)).status).toBe(404)
    }
  })

  it('answers another datacenter with 500 No path to datacenter', async () => {
    for (const [method, path] of [
      ['GET', `/v1/kv/${key}?dc=elsewhere`],
      ['PUT', `/v1/kv/${key}?dc=elsewhere`],
      ['PUT', '/v1/session/create?dc=elsewhere'],
      ['GET', '/v1/session/list?dc=elsewhere'],
    ] as const) {
      const res = await raw(t, method, path)
      expect(res.status).toBe(500)
      expect(res.text).toBe('No path to datacenter')
    }
  })
})

describe('connections', () => {
  // A server that closes idle connections resets the next request of a client that was paused
  // (GC, SIGSTOP) with its connection pooled: Consul's Go server has no idle timeout.
  it('keeps idle connections open: no Keep-Alive timeout is announced, as from Consul', async () => {
    const res = await raw(t, 'GET', '/v1/kv/x')
    expect(res.headers['keep-alive']).toBeUndefined()
  })
})
