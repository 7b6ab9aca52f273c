/**
 * The demo's workers: each is a real `consul-lock` process (dist/cli.js) running the demo's
 * child script under a lock or a semaphore. Their output becomes timeline events.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { isAbsolute, relative } from 'node:path'
import { createInterface } from 'node:readline'
import { signalGroup } from '../cli/lock/process-group.js'
import { parseChildLine } from './child-protocol.js'
import type { EventLog } from './events.js'
import { childPath, cliPath } from './paths.js'
import type { DemoSettings } from './settings.js'
import type { Timeline } from './timeline.js'

export interface WorkerSpec {
  name: string
  /** The lock's prefix (the key is `<prefix>/.lock`), or the semaphore's. */
  prefix: string
  /** 1: a lock; more: a semaphore with that limit (`-n`). */
  limit: number
}

export interface Worker {
  readonly name: string
  /** The pid of its consul-lock process (also its process group: it is spawned detached). */
  readonly pid: number
  readonly exited: Promise<number | NodeJS.Signals>
  /** Whether its consul-lock process is still running. */
  readonly running: boolean
  /** Whether the demo has told it to stop (or killed it): a slot it still holds is on its way out. */
  readonly leaving: boolean
  /** SIGTERM to consul-lock: it stops the child, releases the lock and exits. */
  stop(): void
  /**
   * SIGKILL to consul-lock and to its child's process group at once, as a machine crash does
   * (also the last resort of the cleanup).
   */
  kill(): void
}

/** The session name of a worker's consul-lock: the run id keeps runs on a shared agent apart. */
export function sessionName(runId: string, worker: string): string {
  return `${runId} ${worker}`
}

/** The worker a session of this run belongs to, from its name; `undefined` for other sessions. */
export function workerOfSession(runId: string, name: string): string | undefined {
  return name.startsWith(`${runId} `) ? name.slice(runId.length + 1) : undefined
}

/** The consul-lock command line of a worker, as the demo prints it and runs it. */
export function workerArgs(settings: DemoSettings, spec: WorkerSpec): string[] {
  return [
    '-http-addr',
    settings.address,
    '-session-ttl',
    settings.sessionTTL,
    // Lock-delay protects a lock key; a semaphore's contender keys are each session's own.
    ...(spec.limit > 1 ? [] : ['-lock-delay', settings.lockDelay]),
    '-kill-grace',
    settings.killGrace,
    '-name',
    sessionName(settings.runId, spec.name),
    ...(spec.limit > 1 ? ['-n', String(spec.limit)] : []),
    // Each worker serves its lock's live statechart and prints the page's address on stderr,
    // which the timeline shows: open one while the demo runs.
    '-inspect',
    // No shell between consul-lock and the child: the child's pid is its process group.
    '-shell=false',
    spec.prefix,
    process.execPath,
    childPath,
    spec.name,
    settings.runId,
  ]
}

/** A worker's command line as the heading shows it: `node` and paths relative to here, quoted. */
export function displayCommand(settings: DemoSettings, spec: WorkerSpec): string {
  const shown = workerArgs(settings, spec).map((arg) => {
    const short = arg === process.execPath ? 'node' : isAbsolute(arg) ? relative(process.cwd(), arg) : arg
    return /^[\w@%+=:,./<>-]+$/.test(short) ? short : `'${short.replaceAll("'", `'\\''`)}'`
  })
  return `consul-lock ${shown.join(' ')}`
}

export function startWorker(
  spec: WorkerSpec,
  settings: DemoSettings,
  log: EventLog,
  timeline: Timeline,
): Worker {
  // Detached: its own process group, so a Ctrl-C in the terminal reaches only the demo, which
  // then stops every worker the graceful way.
  const process_ = spawn(process.execPath, [cliPath, ...workerArgs(settings, spec)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const pid = process_.pid
  if (pid === undefined) throw new Error(`${spec.name}: could not start consul-lock`)
  let childPid: number | undefined
  let running = true
  let leaving = false

  forEachLine(process_, 'stdout', (line) => {
    const child = parseChildLine(line)
    if (child?.kind === 'working') {
      childPid = child.pid
      log.push({ type: 'working', worker: spec.name, pid: child.pid, lockHeld: child.lockHeld })
    } else if (child?.kind === 'stopping') {
      log.push({ type: 'stopping', worker: spec.name })
    } else {
      timeline.line(spec.name, line)
    }
  })
  forEachLine(process_, 'stderr', (line) => timeline.line(spec.name, line))

  const exited = once(process_, 'exit').then(([code, signal]) => {
    running = false
    const result = (code ?? signal) as number | NodeJS.Signals
    log.push({ type: 'exited', worker: spec.name, code: result })
    return result
  })

  return {
    name: spec.name,
    pid,
    exited,
    get running() {
      return running
    },
    get leaving() {
      return leaving
    },
    stop() {
      leaving = true
      if (running) process_.kill('SIGTERM')
    },
    kill() {
      leaving = true
      // consul-lock first: were the child to die first, it would see the exit and release.
      signalGroup(pid, 'SIGKILL')
      if (childPid !== undefined) signalGroup(childPid, 'SIGKILL')
    },
  }
}

function forEachLine(child: ChildProcess, stream: 'stdout' | 'stderr', onLine: (line: string) => void): void {
  const readable = child[stream]
  if (readable) createInterface({ input: readable, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine)
}
