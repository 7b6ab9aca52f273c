/**
 * The end of every run, finished or interrupted: stop the workers (gracefully, then SIGKILL),
 * then count and remove what is left of the run — processes, sessions, keys — so nothing stays
 * behind, and report the counts.
 */
import { setTimeout } from 'node:timers/promises'
import type { DemoContext } from './context.js'
import { processesOfRun } from './processes.js'
import { workerOfSession } from './workers.js'

/** What the run left behind, counted before the cleanup removed it. */
export interface Leftovers {
  /** Processes of the run still alive after the workers were stopped (`undefined`: not checked). */
  processes: number | undefined
  /** Sessions of the run's workers still on the agent. */
  sessions: number
  /** Keys still under the run's prefix. */
  keys: number
}

/** Extra time, beyond -kill-grace, a stopped consul-lock gets to release and exit. */
const EXIT_GRACE_MS = 3_000

export async function cleanUp(context: DemoContext): Promise<Leftovers> {
  const { consul, settings } = context
  const running = context.workers.filter((worker) => worker.running)
  for (const worker of running) worker.stop()
  const allExited = Promise.all(running.map((worker) => worker.exited))
  const patience = new AbortController()
  const gaveUp = setTimeout(settings.killGraceMs + EXIT_GRACE_MS, undefined, { signal: patience.signal })
  await Promise.race([allExited, gaveUp.catch(() => {})])
  patience.abort()
  for (const worker of context.workers) if (worker.running) worker.kill()
  await allExited

  const pids = await processesOfRun(settings.runId)
  for (const pid of pids ?? []) killQuietly(pid)

  const { value: sessions } = await consul.session.list()
  const ours = sessions.filter((session) => workerOfSession(settings.runId, session.name) !== undefined)
  for (const session of ours) await consul.session.destroy(session.id)

  const { value: keys } = await consul.kv.keys(`${settings.runId}/`)
  if (keys.length > 0) await consul.kv.delete(`${settings.runId}/`, { recurse: true })
  return { processes: pids?.length, sessions: ours.length, keys: keys.length }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Already gone.
  }
}
