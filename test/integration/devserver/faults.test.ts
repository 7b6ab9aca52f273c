import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startDevServer } from '../../../src/devserver/index.js'
import {
  againstRealConsul,
  type ConsulTarget,
  startTarget,
  uniquePrefix,
} from '../../support/consul-target.js'
import { createSession, type KvPairJson, raw } from '../../support/raw-http.js'

// Fault injection, health checks, lifecycle and internal hygiene only exist on the dev server.
describe.skipIf(againstRealConsul)('dev server only', () => {
  let t: ConsulTarget
  beforeEach(async () => {
    t = await startTarget()
  })
  afterEach(() => t.close())
  const server = () => {
    if (t.server === undefined) throw new Error('dev server expected')
    return t.server
  }

  describe('faults', () => {
    it('failNext answers the next N matching requests, then handling resumes', async () => {
      server().faults.failNext(2, { method: 'PUT', pathPrefix: '/v1/kv/' })
      const key = `${uniquePrefix('fault')}/k`
      for (let i = 0; i < 2; i++) {
        const res = await raw(t, 'PUT', `/v1/kv/${key}`)
        expect(res.status).toBe(500)
        expect(res.text).toBe('No cluster leader')
      }
      expect((await raw(t, 'GET', `/v1/kv/${key}`)).status).toBe(404)
      expect((await raw(t, 'PUT', `/v1/kv/${key}`)).status).toBe(200)
    })

    it('failNext takes a custom status and body; clear() removes pending failures', async () => {
      server().faults.failNext(1, { status: 429, body: 'Rate limit reached, try again later' })
      const res = await raw(t, 'GET', '/v1/session/list')
      expect(res.status).toBe(429)
      expect(res.text).toBe('Rate limit reached, try again later')
      server().faults.failNext(5)
      server().faults.clear()
      expect((await raw(t, 'GET', '/v1/session/list')).status).toBe(200)
    })

    it('latency delays matching requests', async () => {
      server().faults.latency(150, { pathPrefix: '/v1/session/' })
      const started = performance.now()
      await raw(t, 'GET', '/v1/session/list')
      expect(performance.now() - started).toBeGreaterThanOrEqual(140)
      const quick = performance.now()
      await raw(t, 'GET', `/v1/kv/${uniquePrefix('fault')}/k`)
      expect(performance.now() - quick).toBeLessThan(140)
    })

    it('dropConnections destroys in-flight blocking queries', async () => {
      const key = `${uniquePrefix('fault')}/k`
      await raw(t, 'PUT', `/v1/kv/${key}`)
      const first = await raw(t, 'GET', `/v1/kv/${key}`)
      const pending = raw(t, 'GET', `/v1/kv/${key}?index=${first.index}&wait=30s`)
      while (server().stats().watchers < 1) await new Promise((resolve) => setImmediate(resolve))
      server().faults.dropConnections()
      await expect(pending).rejects.toThrow()
      while (server().stats().watchers > 0) await new Promise((resolve) => setImmediate(resolve))
      expect(server().stats().watchers).toBe(0)
    })

    it('leader loss answers 500 No cluster leader and stops TTL expiry; restore restarts timers at 2×TTL', async () => {
      const id = await createSession(t, { TTL: '200ms' })
      server().faults.leaderLoss()
      const res = await raw(t, 'GET', '/v1/session/list')
      expect(res.status).toBe(500)
      expect(res.text).toBe('No cluster leader')
      expect(server().stats().sessionTimers).toBe(0)
      server().faults.leaderRestored()
      expect(server().stats().sessionTimers).toBe(1)
      const restoredAt = performance.now()
      let info = await raw(t, 'GET', `/v1/session/info/${id}`)
      expect(info.json<unknown[]>()).toHaveLength(1)
      while (info.json<unknown[]>().length > 0)
        info = await raw(t, 'GET', `/v1/session/info/${id}?index=${info.index}&wait=5s`)
      expect(performance.now() - restoredAt).toBeGreaterThanOrEqual(350)
    })
  })

  describe('health checks', () => {
    it('a critical serfHealth invalidates linked sessions and blocks creates until passing', async () => {
      const key = `${uniquePrefix('check')}/k`
      const id = await createSession(t, { LockDelay: 0 })
      const unlinked = await createSession(t, { NodeChecks: [] })
      await raw(t, 'PUT', `/v1/kv/${key}?acquire=${id}`)
      server().checks.setStatus('serfHealth', 'warning')
      expect((await raw(t, 'GET', `/v1/session/info/${id}`)).json<unknown[]>()).toHaveLength(1)
      server().checks.setStatus('serfHealth', 'critical')
      expect((await raw(t, 'GET', `/v1/session/info/${id}`)).json()).toEqual([])
      expect((await raw(t, 'GET', `/v1/session/info/${unlinked}`)).json<unknown[]>()).toHaveLength(1)
      expect((await raw(t, 'GET', `/v1/kv/${key}`)).json<KvPairJson[]>()[0]).not.toHaveProperty('Session')
      const refused = await raw(t, 'PUT', '/v1/session/create')
      expect(refused.status).toBe(500)
      expect(refused.text).toBe("apply failed: Check 'serfHealth' is in critical state")
      server().checks.setStatus('serfHealth', 'passing')
      expect((await raw(t, 'PUT', '/v1/session/create')).status).toBe(200)
    })

    it('sessions can link registered checks; deregistering one invalidates them', async () => {
      server().checks.register('service:web')
      const id = await createSession(t, { Checks: ['service:web'] })
      const [session] = (await raw(t, 'GET', `/v1/session/info/${id}`)).json<
        Array<{ Checks?: string[]; NodeChecks: string[] }>
      >()
      expect(session).toMatchObject({ NodeChecks: ['serfHealth'], Checks: ['service:web'] })
      server().checks.deregister('service:web')
      expect((await raw(t, 'GET', `/v1/session/info/${id}`)).json()).toEqual([])
    })
  })

  describe('hygiene', () => {
    it('reaps tombstones after their TTL, after which a prefix index may fall back', async () => {
      const local = await startDevServer({ port: 0, tombstoneTTL: 50, tombstoneReapInterval: 20 })
      try {
        const target = { address: local.address, token: undefined }
        await raw(target, 'PUT', '/v1/kv/reap/a')
        await raw(target, 'PUT', '/v1/kv/reap/b')
        const keep = (await raw(target, 'GET', '/v1/kv/reap/b')).index
        await raw(target, 'DELETE', '/v1/kv/reap/a')
        expect(local.stats().tombstones).toBe(1)
        const withTombstone = (await raw(target, 'GET', '/v1/kv/reap/?recurse')).index
        expect(withTombstone).toBeGreaterThan(keep)
        // The reap is invisible to a blocking query (the index goes down), so wait with short
        // blocking reads until the reaper has run.
        while (local.stats().tombstones > 0) {
          await raw(target, 'GET', `/v1/kv/reap/?recurse&index=${withTombstone}&wait=20ms`)
        }
        expect((await raw(target, 'GET', '/v1/kv/reap/?recurse')).index).toBe(keep)
      } finally {
        await local.close()
      }
    })

    it('drops expired lock-delay entries', async () => {
      const key = `${uniquePrefix('ld')}/k`
      const id = await createSession(t, { LockDelay: '50ms' })
      await raw(t, 'PUT', `/v1/kv/${key}?acquire=${id}`)
      await raw(t, 'PUT', `/v1/session/destroy/${id}`)
      expect(server().stats().lockDelays).toBe(1)
      const other = await createSession(t)
      while ((await raw(t, 'PUT', `/v1/kv/${key}?acquire=${other}`)).text.trim() !== 'true') {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(server().stats().lockDelays).toBe(0)
    })

    it('close() ends 200 in-flight blocking queries promptly and frees every handle', async () => {
      const local = await startDevServer({ port: 0, sessionTTLMin: '200ms' })
      const target = { address: local.address, token: undefined }
      await createSession(target, { TTL: '10s' })
      const pending = Array.from({ length: 200 }, (_, i) =>
        raw(target, 'GET', `/v1/kv/close/k${i}?index=1000000&wait=60s`).then(
          () => 'answered',
          () => 'closed',
        ),
      )
      while (local.stats().watchers < 200) await new Promise((resolve) => setImmediate(resolve))
      const started = performance.now()
      await local.close()
      expect(performance.now() - started).toBeLessThan(1000)
      const outcomes = await Promise.all(pending)
      expect(outcomes.every((outcome) => outcome === 'closed')).toBe(true)
      expect(local.stats()).toMatchObject({
        watchers: 0,
        timers: 0,
        sessionTimers: 0,
        connections: 0,
        inflight: 0,
      })
      // Idempotent.
      await local.close()
      await expect(raw(target, 'GET', '/v1/session/list')).rejects.toThrow()
    })

    it('holds no ref’d handle after close (the process could exit)', async () => {
      const count = (kind: string) => process.getActiveResourcesInfo().filter((name) => name === kind).length
      const servers = count('TCPServerWrap')
      const local = await startDevServer({ port: 0 })
      expect(count('TCPServerWrap')).toBe(servers + 1)
      await raw({ address: local.address, token: undefined }, 'PUT', '/v1/session/create', {
        body: '{"TTL":"30s"}',
      })
      expect(local.stats().timers).toBeGreaterThan(0)
      await local.close()
      expect(count('TCPServerWrap')).toBe(servers)
      expect(local.stats().timers).toBe(0)
    })
  })
})
