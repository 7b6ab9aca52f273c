// The Lock facade against the in-process dev server: what a full acquire/release cycle costs,
// how fast the lock passes between contenders, how fast a loss and an abort are noticed, and
// the heap a held lock takes (its renew timer and monitor query included, both ends).
import { performance } from 'node:perf_hooks'
import { startDevServer } from '../dist/devserver.js'
import { Consul } from '../dist/index.js'
import { summarize, timed } from './stats.js'

const CYCLES = 300
const CONTENDERS = 5
const HANDOVERS = 100
const LOSSES = 50
const HELD = 200

async function handovers(consul) {
  const locks = Array.from({ length: CONTENDERS }, (_, i) =>
    consul.lock({ key: 'bench/handover', value: `c${i}`, lockDelay: 0 }),
  )
  const samples = []
  let releasedAt = 0
  let remaining = HANDOVERS
  await Promise.all(
    locks.map(async (lock) => {
      while (remaining > 0) {
        await lock.acquire()
        if (remaining <= 0) {
          await lock.release()
          break
        }
        if (releasedAt > 0) samples.push(performance.now() - releasedAt)
        remaining--
        releasedAt = performance.now()
        await lock.release()
      }
    }),
  )
  return summarize(samples)
}

async function lossDetection(consul) {
  const lock = consul.lock({ key: 'bench/loss', lockDelay: 0 })
  const samples = []
  for (let i = 0; i < LOSSES; i++) {
    const lease = await lock.acquire()
    const lost = new Promise((resolve) => lease.lost.addEventListener('abort', resolve, { once: true }))
    const start = performance.now()
    await consul.session.destroy(lease.session)
    await lost
    samples.push(performance.now() - start)
  }
  await lock.destroy().catch(() => {})
  return summarize(samples)
}

async function abortLatency(consul) {
  const holder = consul.lock({ key: 'bench/abort', lockDelay: 0 })
  await holder.acquire()
  const waiter = consul.lock({ key: 'bench/abort', lockDelay: 0, lockWaitTime: '15s' })
  const samples = []
  for (let i = 0; i < 20; i++) {
    const controller = new AbortController()
    const attempt = waiter.acquire({ signal: controller.signal }).catch(() => {})
    await new Promise((resolve) => setTimeout(resolve, 20))
    const start = performance.now()
    controller.abort()
    await attempt
    samples.push(performance.now() - start)
  }
  await holder.release()
  return summarize(samples)
}

async function heapPerHeldLock(consul) {
  globalThis.gc?.()
  const before = process.memoryUsage().heapUsed
  const locks = Array.from({ length: HELD }, (_, i) => consul.lock({ key: `bench/held/${i}`, lockDelay: 0 }))
  await Promise.all(locks.map((lock) => lock.acquire()))
  globalThis.gc?.()
  const perLock = Math.round((process.memoryUsage().heapUsed - before) / HELD)
  await Promise.all(locks.map((lock) => lock.release()))
  return perLock
}

export async function run() {
  const server = await startDevServer({ port: 0 })
  const consul = new Consul({ address: server.address })
  const cycleLock = consul.lock({ key: 'bench/cycle', lockDelay: 0 })
  const acquireRelease = await timed(CYCLES, async () => {
    await cycleLock.acquire()
    await cycleLock.release()
  })
  const result = {
    acquireReleaseCycle: acquireRelease,
    handoverMs: { contenders: CONTENDERS, ...(await handovers(consul)) },
    lossDetectionMs: await lossDetection(consul),
    abortMs: await abortLatency(consul),
    heapBytesPerHeldLock: await heapPerHeldLock(consul),
    sessionsLeft: server.stats().sessions,
  }
  await consul.close()
  await server.close()
  return result
}
