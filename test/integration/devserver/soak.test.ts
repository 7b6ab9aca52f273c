import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DevServer } from '../../../src/devserver/index.js'
import { againstRealConsul, type ConsulTarget, startTarget } from '../../support/consul-target.js'
import { raw } from '../../support/raw-http.js'

// Resource boundedness: hundreds of session and KV cycles, with blocking queries opened and
// abandoned, must leave the dev server holding nothing. Dev-server only: it reads the
// server's internal counters and lowers its tombstone TTL.
let t: ConsulTarget
let server: DevServer
beforeAll(async () => {
  t = await startTarget({ tombstoneTTL: 1, tombstoneReapInterval: 5 })
  if (t.server) server = t.server
})
afterAll(() => t?.close())

// Each cycle opens and abandons two watches (two fresh sockets), so 500 cycles keep the test
// under 2 s; 5 000 were run once by hand (~6 s) with the same result.
const CYCLES = 500
const WORKERS = 50

/** Yields to the event loop until `done()` holds (the server reacts to sockets and timers). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve))
}

describe('soak', () => {
  it.skipIf(againstRealConsul)(
    'returns every counter to its baseline after 500 session/KV cycles with aborted watches',
    async () => {
      const target = { address: t.address, token: t.token }
      const send = (method: string, path: string, body?: string, signal?: AbortSignal) =>
        raw(target, method, path, { body, signal }).catch((error: unknown) => {
          if (signal?.aborted) return undefined
          throw error
        })
      const baseline = server.stats()

      let next = 0
      const worker = async (): Promise<void> => {
        while (next < CYCLES) {
          const n = next++
          const key = `soak/${n % 97}`
          const created = await send(
            'PUT',
            '/v1/session/create',
            JSON.stringify({ TTL: '1s', LockDelay: '1ms' }),
          )
          const id = created?.json<{ ID: string }>().ID
          await send('PUT', `/v1/kv/${key}?acquire=${id}`, 'v')
          const read = await send('GET', `/v1/kv/${key}`)
          const abort = new AbortController()
          const watch = send('GET', `/v1/kv/${key}?index=${read?.index}&wait=30s`, undefined, abort.signal)
          const prefixWatch = send(
            'GET',
            `/v1/kv/soak/?recurse&index=${read?.index}&wait=30s`,
            undefined,
            abort.signal,
          )
          // Abandon the watches at whatever point the server has reached with them.
          await send('GET', `/v1/kv/unrelated/${n}`)
          abort.abort()
          await Promise.all([watch, prefixWatch])
          if (n % 2 === 0) await send('PUT', `/v1/session/destroy/${id}`)
          await send('DELETE', `/v1/kv/${key}`)
          if (n % 2 === 1) await send('PUT', `/v1/session/destroy/${id}`)
        }
      }
      await Promise.all(Array.from({ length: WORKERS }, worker))
      await until(() => server.stats().inflight === 0 && server.stats().tombstones === 0)
      await until(() => server.stats().lockDelays === 0)

      const after = server.stats()
      expect({ ...after, index: 0, connections: 0 }).toEqual({ ...baseline, index: 0, connections: 0 })
    },
  )
})
