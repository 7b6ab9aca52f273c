// The HTTP client against the in-process dev server over one keep-alive pool: round trips per
// second for the calls a lock makes, sequentially and with 32 in flight.
import { performance } from 'node:perf_hooks'
import { startDevServer } from '../dist/devserver.js'
import { Consul } from '../dist/index.js'
import { timed } from './stats.js'

const ROUNDS = 2000
const CONCURRENCY = 32
const LOCK_FLAGS = 0x2ddccbc058a50c18n

export async function run() {
  const server = await startDevServer({ port: 0 })
  const consul = new Consul({ address: server.address })
  const session = await consul.session.create({ ttl: '30s', lockDelay: 0 })

  const put = await timed(ROUNDS, (i) => consul.kv.put(`bench/kv/${i % 100}`, 'value', { flags: LOCK_FLAGS }))
  const get = await timed(ROUNDS, (i) => consul.kv.get(`bench/kv/${i % 100}`))
  const acquireRelease = await timed(ROUNDS / 2, async () => {
    await consul.kv.acquire('bench/lock', session, 'me', { flags: LOCK_FLAGS })
    await consul.kv.release('bench/lock', session, 'me', { flags: LOCK_FLAGS })
  })
  const renew = await timed(ROUNDS, () => consul.session.renew(session))

  const start = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ROUNDS) await consul.kv.get(`bench/kv/${next++ % 100}`)
    }),
  )
  const concurrentGetsPerSecond = Math.round(ROUNDS / ((performance.now() - start) / 1000))

  await consul.session.destroy(session)
  await consul.close()
  await server.close()
  return { put, get, acquireRelease, renew, concurrentGetsPerSecond, concurrency: CONCURRENCY }
}
