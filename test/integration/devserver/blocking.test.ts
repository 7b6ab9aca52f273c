import { describe, expect, it } from 'vitest'
import { againstRealConsul, uniquePrefix, useTarget } from '../../support/consul-target.js'
import { createSession, type KvPairJson, raw } from '../../support/raw-http.js'

// Blocking queries (consul-api.md §1.5). Runs against a real agent too, except the tests that
// need the dev server's internal counters.
const t = useTarget()

const put = (key: string, body = 'v', query = '') =>
  raw(t, 'PUT', `/v1/kv/${key}${query ? `?${query}` : ''}`, { body })

/** Resolves once the dev server has `n` registered waiters (a no-op against a real agent). */
async function waitForWatchers(n: number): Promise<void> {
  const server = t.server
  if (server === undefined) return
  // The server registers the waiter synchronously once it has read the request; poll that state.
  while (server.stats().watchers < n) await new Promise((resolve) => setImmediate(resolve))
}

describe('index semantics', () => {
  it('returns at once when the current index is already past ?index', async () => {
    const key = `${uniquePrefix('blk')}/k`
    await put(key)
    const started = performance.now()
    const res = await raw(t, 'GET', `/v1/kv/${key}?index=1&wait=10s`)
    expect(res.status).toBe(200)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('returns the unchanged result with 200 when ?wait elapses (wait honoured, jitter ≤ 1/16)', async () => {
    const key = `${uniquePrefix('blk')}/k`
    await put(key)
    const first = await raw(t, 'GET', `/v1/kv/${key}`)
    const started = performance.now()
    const res = await raw(t, 'GET', `/v1/kv/${key}?index=${first.index}&wait=300ms`)
    const elapsed = performance.now() - started
    expect(res.status).toBe(200)
    expect(res.index).toBe(first.index)
    expect(elapsed).toBeGreaterThanOrEqual(290)
    expect(elapsed).toBeLessThan(300 * (17 / 16) + 500)
  })

  it('wakes a single-key watch on a write to that key, with the new ModifyIndex', async () => {
    const key = `${uniquePrefix('blk')}/k`
    await put(key, 'one')
    const first = await raw(t, 'GET', `/v1/kv/${key}`)
    const pending = raw(t, 'GET', `/v1/kv/${key}?index=${first.index}&wait=10s`)
    await waitForWatchers(1)
    await put(key, 'two')
    const res = await pending
    expect(res.json<KvPairJson[]>()[0]?.Value).toBe(Buffer.from('two').toString('base64'))
    expect(res.index).toBeGreaterThan(first.index)
  })

  it('does not wake a single-key watch for a sibling key (TestKVS_Issue_1626)', async () => {
    const prefix = uniquePrefix('blk')
    await put(`${prefix}/test`)
    const first = await raw(t, 'GET', `/v1/kv/${prefix}/test`)
    const started = performance.now()
    const pending = raw(t, 'GET', `/v1/kv/${prefix}/test?index=${first.index}&wait=400ms`)
    await waitForWatchers(1)
    await put(`${prefix}/test2`)
    await put(`${prefix}/tes`)
    const res = await pending
    expect(performance.now() - started).toBeGreaterThanOrEqual(390)
    expect(res.index).toBe(first.index)
  })

  it('wakes a prefix watch on a delete under the prefix', async () => {
    const prefix = uniquePrefix('blk')
    await put(`${prefix}/a`)
    await put(`${prefix}/b`)
    const first = await raw(t, 'GET', `/v1/kv/${prefix}/?recurse`)
    const pending = raw(t, 'GET', `/v1/kv/${prefix}/?recurse&index=${first.index}&wait=10s`)
    await waitForWatchers(1)
    await raw(t, 'DELETE', `/v1/kv/${prefix}/a`)
    const res = await pending
    expect(res.json<KvPairJson[]>().map((e) => e.Key)).toEqual([`${prefix}/b`])
    expect(res.index).toBeGreaterThan(first.index)
  })

  it('wakes a ?keys watch when a key is added under the prefix', async () => {
    const prefix = uniquePrefix('blk')
    await put(`${prefix}/a`)
    const first = await raw(t, 'GET', `/v1/kv/${prefix}/?keys`)
    const pending = raw(t, 'GET', `/v1/kv/${prefix}/?keys&index=${first.index}&wait=10s`)
    await waitForWatchers(1)
    await put(`${prefix}/b`)
    expect((await pending).json()).toEqual([`${prefix}/a`, `${prefix}/b`])
  })
})

describe('the not-found rule', () => {
  it('returns 404 with the new index when the watched key is deleted', async () => {
    const key = `${uniquePrefix('nf')}/k`
    await put(key)
    const first = await raw(t, 'GET', `/v1/kv/${key}`)
    const pending = raw(t, 'GET', `/v1/kv/${key}?index=${first.index}&wait=10s`)
    await waitForWatchers(1)
    await raw(t, 'DELETE', `/v1/kv/${key}`)
    const res = await pending
    expect(res.status).toBe(404)
    expect(res.index).toBeGreaterThan(first.index)
  })

  it('returns 404 at once for a missing key when the table index is past ?index', async () => {
    const started = performance.now()
    const res = await raw(t, 'GET', `/v1/kv/${uniquePrefix('nf')}/missing?index=1&wait=10s`)
    expect(res.status).toBe(404)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('keeps blocking on a missing key until it is created, ignoring other writes', async () => {
    const prefix = uniquePrefix('nf')
    const miss = await raw(t, 'GET', `/v1/kv/${prefix}/later`)
    expect(miss.status).toBe(404)
    const pending = raw(t, 'GET', `/v1/kv/${prefix}/later?index=${miss.index}&wait=10s`)
    await waitForWatchers(1)
    await put(`${prefix}/other`)
    await put(`${prefix}/later`, 'here')
    const res = await pending
    expect(res.status).toBe(200)
    expect(res.json<KvPairJson[]>()[0]?.Value).toBe(Buffer.from('here').toString('base64'))
  })

  it('answers a missing key that stays missing with 404 at timeout', async () => {
    const key = `${uniquePrefix('nf')}/never`
    const miss = await raw(t, 'GET', `/v1/kv/${key}`)
    const res = await raw(t, 'GET', `/v1/kv/${key}?index=${miss.index}&wait=200ms`)
    expect(res.status).toBe(404)
    expect(res.index).toBeGreaterThanOrEqual(miss.index)
  })
})

describe('sessions', () => {
  it('wakes session info when the session is destroyed', async () => {
    const id = await createSession(t)
    const first = await raw(t, 'GET', `/v1/session/info/${id}`)
    const pending = raw(t, 'GET', `/v1/session/info/${id}?index=${first.index}&wait=10s`)
    await waitForWatchers(1)
    await raw(t, 'PUT', `/v1/session/destroy/${id}`)
    const res = await pending
    expect(res.json()).toEqual([])
    expect(res.index).toBeGreaterThan(first.index)
  })

  it('wakes session list on a create', async () => {
    const first = await raw(t, 'GET', '/v1/session/list')
    const pending = raw(t, 'GET', `/v1/session/list?index=${first.index}&wait=10s`)
    await waitForWatchers(1)
    const id = await createSession(t)
    expect((await pending).json<Array<{ ID: string }>>().map((s) => s.ID)).toContain(id)
  })
})

describe.skipIf(againstRealConsul)('scale and hygiene (dev server internals)', () => {
  it('wakes each of 250 concurrent blocking queries by its own key only', async () => {
    const prefix = uniquePrefix('many')
    const keys = Array.from({ length: 250 }, (_, i) => `${prefix}/k${i}`)
    const indexes = await Promise.all(
      keys.map(async (key) => {
        await put(key, 'initial')
        return (await raw(t, 'GET', `/v1/kv/${key}`)).index
      }),
    )
    const base = t.server?.stats().watchers ?? 0
    const pending = keys.map((key, i) => raw(t, 'GET', `/v1/kv/${key}?index=${indexes[i]}&wait=20s`))
    await waitForWatchers(base + keys.length)
    // Wake the odd ones; the even ones must stay blocked.
    await Promise.all(keys.map((key, i) => (i % 2 === 1 ? put(key, `v${i}`) : undefined)))
    const odd = await Promise.all(pending.filter((_, i) => i % 2 === 1))
    odd.forEach((res, j) => {
      const i = j * 2 + 1
      expect(res.json<KvPairJson[]>()[0]).toMatchObject({
        Key: keys[i],
        Value: Buffer.from(`v${i}`).toString('base64'),
      })
    })
    expect(t.server?.stats().watchers).toBe(base + 125)
    await Promise.all(keys.map((key, i) => (i % 2 === 0 ? put(key, `v${i}`) : undefined)))
    const even = await Promise.all(pending.filter((_, i) => i % 2 === 0))
    even.forEach((res, j) => {
      expect(res.json<KvPairJson[]>()[0]?.Key).toBe(keys[j * 2])
    })
    expect(t.server?.stats().watchers).toBe(base)
  })

  it('drops the watcher and its timer as soon as a waiting client disconnects', async () => {
    const server = t.server
    if (server === undefined) return
    const key = `${uniquePrefix('gone')}/k`
    await put(key)
    const first = await raw(t, 'GET', `/v1/kv/${key}`)
    const before = server.stats()
    const controller = new AbortController()
    const pending = raw(t, 'GET', `/v1/kv/${key}?index=${first.index}&wait=60s`, {
      signal: controller.signal,
    }).catch((error: unknown) => error)
    await waitForWatchers(before.watchers + 1)
    expect(server.stats().timers).toBe(before.timers + 1)
    controller.abort()
    await pending
    while (server.stats().watchers > before.watchers) await new Promise((resolve) => setImmediate(resolve))
    expect(server.stats().watchers).toBe(before.watchers)
    expect(server.stats().timers).toBe(before.timers)
  })
})
