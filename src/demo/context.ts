/** What every part of the demo shares: the client, the settings, the output and the workers. */
import type { Consul } from '../index.js'
import { EventLog } from './events.js'
import { narrate } from './narrate.js'
import type { DemoSettings } from './settings.js'
import type { Timeline } from './timeline.js'
import { type WorkerNames, workerNames } from './worker-names.js'
import { startWorker, type Worker, type WorkerSpec } from './workers.js'

export interface DemoContext {
  readonly consul: Consul
  readonly settings: DemoSettings
  readonly timeline: Timeline
  readonly log: EventLog
  readonly names: WorkerNames
  /** Aborted by Ctrl-C (SIGINT) or SIGTERM. */
  readonly signal: AbortSignal
  /** Every worker started, for the cleanup. */
  readonly workers: readonly Worker[]
  /** Starts a worker and keeps it for the cleanup. */
  start(spec: WorkerSpec): Worker
  /** Something that went against the demo's promises (a worker exiting non-zero…): exit 1. */
  problem(text: string): void
  readonly problems: readonly string[]
}

export function createContext(
  consul: Consul,
  settings: DemoSettings,
  timeline: Timeline,
  signal: AbortSignal,
): DemoContext {
  const log = new EventLog(timeline.now, settings.waitTimeoutMs, signal, (event) =>
    timeline.line(...narrate(event)),
  )
  const workers: Worker[] = []
  const problems: string[] = []
  return {
    consul,
    settings,
    timeline,
    log,
    names: workerNames(consul, settings.runId),
    signal,
    workers,
    start(spec) {
      const worker = startWorker(spec, settings, log, timeline)
      workers.push(worker)
      timeline.line(spec.name, `starts consul-lock${spec.limit > 1 ? ` -n ${spec.limit}` : ''} (pid ${worker.pid})`)
      return worker
    },
    problem(text) {
      problems.push(text)
      timeline.line('demo', `PROBLEM: ${text}`)
    },
    problems,
  }
}

/** The worker of that name. */
export function workerNamed(context: DemoContext, name: string): Worker {
  const worker = context.workers.findLast((candidate) => candidate.name === name)
  if (worker === undefined) throw new Error(`no worker named ${name}`)
  return worker
}
