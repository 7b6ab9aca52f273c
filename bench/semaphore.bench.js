// The Semaphore facade against the in-process dev server: what a full acquire/release cycle of
// one slot costs (contender key, record check-and-set, and back), how fast a freed slot reaches a
// waiter, and how much the record's check-and-set contention costs when many contenders race
// for few slots. Also the fenced write of a lock lease against a plain transaction.
import { performance } from 'node:perf_hooks'
import { startDevServer } from '../dist/devserver.js'
import { Consul } from '../dist/index.js'
import { summarize, timed } from './stats.js'

const CYCLES = 200
const CONTENDERS = 8
const LIMIT = 2
const ROUNDS_PER_CONTENDER = 10
const TXNS = 500
const WORK_MS = 5

/** `CONTENDERS` semaphores racing for `LIMIT` slots: time from a release to the next grant. */
async function slotHandovers(consul) {
  const semaphores = Array.from({ length: CONTENDERS }, (_, i) =>
    consul.semaphore({ prefix: 'bench/slots', limit: LIMIT, value: `c${i}` }),
  )
  const samples = []
  const releasedAt = []
  let holders = 0
  let maxHolders = 0
  const started = performance.now()
  await Promise.all(
    semaphores.map(async (semaphore) => {
      for (let round = 0; round < ROUNDS_PER_CONTENDER; round++) {
        await semaphore.acquire()
        const freedAt = releasedAt.shift()
        if (freedAt !== undefined) samples.push(performance.now() - freedAt)
        maxHolders = Math.max(maxHolders, ++holders)
        // 5 ms of "work" with the slot, so holders overlap.
        await new Promise((resolve) => setTimeout(resolve, WORK_MS))
        holders--
        releasedAt.push(performance.now())
        await semaphore.release()
      }
    }),
  )
  const grants = CONTENDERS * ROUNDS_PER_CONTENDER
  for (const semaphore of semaphores) await semaphore[Symbol.asyncDispose]()
  return {
    contenders: CONTENDERS,
    limit: LIMIT,
    workMs: WORK_MS,
    grantsPerSecond: Math.round(grants / ((performance.now() - started) / 1000)),
    maxHoldersSeen: maxHolders,
    releaseToGrantMs: summarize(samples),
  }
}

/** A lock lease's fenced `txn` (check-session + op) against the same op as a plain `consul.txn`. */
async function fencedWrites(consul) {
  const lock = consul.lock({ key: 'bench/fenced', lockDelay: 0 })
  const lease = await lock.acquire()
  const op = (i) => [{ verb: 'set', key: 'bench/fenced-data', value: String(i) }]
  const plain = await timed(TXNS, (i) => consul.txn(op(i)))
  const fenced = await timed(TXNS, (i) => lease.txn(op(i)))
  await lock.release()
  await lock.destroy()
  return { plainTxn: plain, fencedTxn: fenced }
}

export async function run() {
  const server = await startDevServer({ port: 0 })
  const consul = new Consul({ address: server.address })
  const semaphore = consul.semaphore({ prefix: 'bench/cycle', limit: 1 })
  const acquireRelease = await timed(CYCLES, async () => {
    await semaphore.acquire()
    await semaphore.release()
  })
  const result = {
    acquireReleaseCycle: acquireRelease,
    contention: await slotHandovers(consul),
    ...(await fencedWrites(consul)),
    sessionsLeft: server.stats().sessions,
  }
  await consul.close()
  await server.close()
  return result
}
