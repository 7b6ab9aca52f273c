/**
 * Watches the lock key through the public API (`election.observe()`: blocking reads of the
 * key) and logs every change of holder as a `leader` event.
 */
import type { Consul } from '../index.js'
import type { EventLog } from './events.js'
import type { WorkerNames } from './worker-names.js'

/** Observes until `signal` aborts; resolves once the observation has ended. */
export async function observeLeader(
  consul: Consul,
  key: string,
  names: WorkerNames,
  log: EventLog,
  signal: AbortSignal,
): Promise<void> {
  const election = consul.election({ key })
  try {
    for await (const leader of election.observe({ signal })) {
      if (leader === null) log.push({ type: 'leader', worker: null, session: null })
      else log.push({ type: 'leader', worker: await names(leader.session, signal), session: leader.session })
    }
  } finally {
    await election[Symbol.asyncDispose]()
  }
}
