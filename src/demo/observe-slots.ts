/**
 * Watches a semaphore's prefix with blocking reads and logs its live holders and its waiting
 * contenders (by worker name) whenever they change.
 */
import { setTimeout } from 'node:timers/promises'
import { semaphoreHolders } from '../cli/status/semaphore-holders.js'
import { type Consul, isRetryable, nextWaitIndex } from '../index.js'
import type { EventLog } from './events.js'
import type { WorkerNames } from './worker-names.js'

const RETRY_MS = 250

/** Observes until `signal` aborts; resolves once the observation has ended. */
export async function observeSlots(
  consul: Consul,
  prefix: string,
  names: WorkerNames,
  isLeaving: (worker: string) => boolean,
  log: EventLog,
  signal: AbortSignal,
): Promise<void> {
  let index = 0n
  let reported = ''
  while (!signal.aborted) {
    try {
      const { value: pairs, meta } = await consul.kv.list(`${prefix}/`, { index, signal })
      index = nextWaitIndex(index, meta.lastIndex)
      const state = semaphoreHolders(prefix, pairs)
      const named = (contenders: typeof state.holders) =>
        Promise.all(contenders.map((contender) => names(contender.session, signal)))
      const holders = (await named(state.holders)).sort()
      const contenders = (await named(state.waiting)).sort()
      const waiting = contenders.filter((worker) => !isLeaving(worker))
      const leaving = contenders.filter(isLeaving)
      const summary = JSON.stringify([holders, waiting, leaving, state.limit])
      if (summary === reported) continue
      reported = summary
      log.push({ type: 'slots', holders, waiting, leaving, limit: state.limit })
    } catch (error) {
      if (signal.aborted) return
      if (!isRetryable(error)) throw error
      await setTimeout(RETRY_MS, undefined, { signal }).catch(() => {})
    }
  }
}
