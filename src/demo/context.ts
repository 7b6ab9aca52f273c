/** What every part of the demo shares: the client, the settings, the output and the workers. */
import type { Consul } from '../index.js'
import { type DemoEvent, EventLog } from './events.js'
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
  /** Aborted by Ctrl-C (SIGINT), SIGTERM or SIGHUP. */
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
      timeline.line(
        spec.name,
        `starts consul-lock${spec.limit > 1 ? ` -n ${spec.limit}` : ''} (pid ${worker.pid})`,
      )
      return worker
    },
    problem(text) {
      problems.push(text)
      timeline.line('demo', `PROBLEM: ${text}`)
    },
    problems,
  }
}

/** The names of the three workers each part of the demo starts. */
export const WORKER_NAMES = ['worker-1', 'worker-2', 'worker-3'] as const

/** The latest worker of that name (each part of the demo starts its own three). */
export function workerNamed(context: DemoContext, name: string): Worker {
  const worker = context.workers.findLast((candidate) => candidate.name === name)
  if (worker === undefined) throw new Error(`no worker named ${name}`)
  return worker
}

/** Whether the worker of that name still runs but has been told to stop. */
export function isLeaving(context: DemoContext, name: string): boolean {
  const worker = context.workers.findLast((candidate) => candidate.name === name)
  return worker?.running === true && worker.leaving
}

/**
 * Runs `body` while `observe` watches Consul, then stops the observation. An observation that
 * fails on its own is reported as a problem (the waits of `body` then time out).
 */
export async function whileObserving<T>(
  context: DemoContext,
  what: string,
  observe: (signal: AbortSignal) => Promise<void>,
  body: () => Promise<T>,
): Promise<T> {
  const stop = new AbortController()
  const observation = observe(AbortSignal.any([context.signal, stop.signal]))
  observation.catch((error: unknown) => context.problem(`observing ${what} failed: ${String(error)}`))
  try {
    return await body()
  } finally {
    stop.abort()
    await observation.catch(() => {})
  }
}

/**
 * Waits until the worker's child works (logged since `since`). Fails at once, pointing at the
 * worker's own lines above, if its consul-lock exits first: it lost the lock or could not take it.
 */
export async function childWorks(context: DemoContext, worker: string, since: number): Promise<void> {
  const event = await context.log.waitUntil(
    (logged): logged is Extract<DemoEvent, { type: 'working' | 'exited' }> =>
      (logged.type === 'working' || logged.type === 'exited') && logged.worker === worker,
    { since, what: `${worker}'s child to work` },
  )
  if (event.type === 'exited') {
    throw new Error(
      `${worker}'s consul-lock exited (${event.code}) before its child worked: see its lines above`,
    )
  }
}

/**
 * Waits until every one of `workers` has exited (logged since `since`); all but the crashed ones
 * must have exited 0, consul-lock's code once it has stopped its child and released.
 */
export async function expectCleanExits(
  context: DemoContext,
  workers: readonly Worker[],
  crashed: readonly Worker[],
  since: number,
): Promise<void> {
  for (const worker of workers) {
    const exit = await context.log.waitFor('exited', (event) => event.worker === worker.name, {
      since,
      what: `${worker.name}'s consul-lock to exit`,
    })
    if (!crashed.includes(worker) && exit.code !== 0) {
      context.problem(`${worker.name}'s consul-lock exited ${exit.code}`)
    }
  }
}
