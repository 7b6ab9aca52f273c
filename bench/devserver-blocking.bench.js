// Dev server under many concurrent blocking queries: how long a write takes to wake its own
// watcher, what the watchers cost in memory, and that close() ends them all.
import { performance } from 'node:perf_hooks'
import { Pool, request } from 'undici'
import { startDevServer } from '../dist/devserver.js'
import { summarize } from './stats.js'

const WATCHERS = 500

export async function run() {
  const server = await startDevServer({ port: 0 })
  const pool = new Pool(server.address, {
    connections: WATCHERS + 8,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  })
  const keys = Array.from({ length: WATCHERS }, (_, i) => `bench/blocking/${i}`)
  const indexes = []
  for (const key of keys) {
    const res = await pool.request({ method: 'PUT', path: `/v1/kv/${key}`, body: 'v0' })
    await res.body.text()
    const get = await pool.request({ method: 'GET', path: `/v1/kv/${key}` })
    await get.body.text()
    indexes.push(get.headers['x-consul-index'])
  }

  global.gc?.()
  const heapBefore = process.memoryUsage().heapUsed
  const woken = keys.map((key, i) =>
    pool.request({ method: 'GET', path: `/v1/kv/${key}?index=${indexes[i]}&wait=60s` }).then(async (res) => {
      await res.body.text()
      return performance.now()
    }),
  )
  // Wait until the server holds every watcher before writing.
  while (server.stats().watchers < WATCHERS) await new Promise((r) => setTimeout(r, 5))
  const heapWithWatchers = process.memoryUsage().heapUsed

  const latencies = []
  for (let i = 0; i < keys.length; i++) {
    const written = performance.now()
    const res = await request(`${server.address}/v1/kv/${keys[i]}`, { method: 'PUT', body: 'v1' })
    await res.body.text()
    latencies.push((await woken[i]) - written)
  }
  const watchersLeft = server.stats().watchers

  // A second round left pending, to time close() with every query in flight.
  const pending = keys.map((key) =>
    pool.request({ method: 'GET', path: `/v1/kv/${key}?index=999999999&wait=60s` }).catch(() => 'closed'),
  )
  while (server.stats().watchers < WATCHERS) await new Promise((r) => setTimeout(r, 5))
  const closeStart = performance.now()
  await server.close()
  const closeMs = performance.now() - closeStart
  await Promise.allSettled(pending)
  await pool.destroy()

  return {
    watchers: WATCHERS,
    wakeLatencyMs: summarize(latencies),
    // Client (undici pool) and server in one process: this is the cost of both ends together.
    heapPerWatcherBytes: Math.round((heapWithWatchers - heapBefore) / WATCHERS),
    watchersLeftAfterWake: watchersLeft,
    closeWithPendingQueriesMs: Math.round(closeMs * 100) / 100,
  }
}
