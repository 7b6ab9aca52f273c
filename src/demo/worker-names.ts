/**
 * Which worker a session belongs to, from its session name (the `-name` the demo gives each
 * consul-lock), read once per session from Consul.
 */
import type { Consul } from '../index.js'
import { shortSession } from './timeline.js'
import { workerOfSession } from './workers.js'

export type WorkerNames = (session: string, signal: AbortSignal) => Promise<string>

export function workerNames(consul: Consul, runId: string): WorkerNames {
  const known = new Map<string, string>()
  return async (session, signal) => {
    const cached = known.get(session)
    if (cached !== undefined) return cached
    const { value: entry } = await consul.session.info(session, { signal })
    // A session of someone else, or one already gone: its ID is all there is to show.
    const name = (entry && workerOfSession(runId, entry.name)) ?? shortSession(session)
    if (entry) known.set(session, name)
    return name
  }
}
