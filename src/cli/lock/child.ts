/**
 * The child command, run in its own process group so that stopping it stops everything it
 * started (`consul lock` signals only the shell, so the real work survives: Consul issue 2022).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { formatGoDuration } from '../../consul/duration.js'
import type { Output } from './output.js'
import { groupHasLiveMember, signalGroup } from './process-group.js'

export interface ChildCommand {
  /** The command and its arguments, as given after the prefix. */
  command: readonly string[]
  /** Run `$SHELL -c "<command joined by spaces>"` (Go's `exec.Script`) instead of `command[0]`. */
  shell: boolean
  /** Give the child our stdin; otherwise it reads /dev/null. */
  passStdin: boolean
}

/** How the child ended: its exit code or signal, or why it could not be started. */
export type ChildExit =
  | { code: number; signal: null }
  | { code: null; signal: NodeJS.Signals }
  | { startError: Error }

/** The program and arguments to start, as Go's `consul lock` builds them. */
export function programOf(
  child: Pick<ChildCommand, 'command' | 'shell'>,
  env: NodeJS.ProcessEnv = process.env,
): { file: string; args: string[] } {
  if (child.shell) return { file: env.SHELL || '/bin/sh', args: ['-c', child.command.join(' ')] }
  const [file = '', ...args] = child.command
  return { file, args }
}

/** True when the child failed: could not start, exited non-zero or was killed by a signal. */
export function childFailed(exit: ChildExit): boolean {
  return 'startError' in exit || exit.code !== 0
}

/** Go's wording of a failed child (`exit status 3`), with Node's signal names. */
export function describeExit(exit: ChildExit): string {
  if ('startError' in exit) return exit.startError.message
  return exit.code === null ? `signal: ${exit.signal}` : `exit status ${exit.code}`
}

/** How often a process group is checked for members left behind once the child has exited. */
const GROUP_POLL_MS = 50

/**
 * A started child command, leader of its own process group. Signals go to the whole group.
 * While consul-lock runs, the group cannot outlive it: if consul-lock exits without having
 * stopped the group, the group is SIGKILLed on the way out.
 */
export class ChildGroup {
  readonly exited: Promise<ChildExit>
  readonly #process: ChildProcess
  readonly #output: Output
  #running = true
  /** From the start of `stop` until the group is gone: the child, or what it left, may still run. */
  #stopping = false
  #terminateSent = false
  #stopped: Promise<void> | undefined
  readonly #killOnExit = () => this.#signalGroup('SIGKILL')

  constructor(child: ChildCommand, output: Output, env: NodeJS.ProcessEnv = process.env) {
    this.#output = output
    const { file, args } = programOf(child, env)
    this.#process = spawn(file, args, {
      // Its own process group (and session): signals reach everything the child starts.
      detached: true,
      stdio: [child.passStdin ? 'inherit' : 'ignore', 'inherit', 'inherit'],
      env: { ...env, CONSUL_LOCK_HELD: 'true' },
    })
    this.exited = new Promise<ChildExit>((resolve) => {
      this.#process.on('error', (startError) => {
        if (this.#process.pid === undefined) resolve({ startError })
      })
      this.#process.once('exit', (code, signal) =>
        resolve(code === null ? { code, signal: signal as NodeJS.Signals } : { code, signal: null }),
      )
    }).finally(() => {
      this.#running = false
    })
    if (this.#process.pid !== undefined) process.on('exit', this.#killOnExit)
  }

  get pid(): number | undefined {
    return this.#process.pid
  }

  /** True until the child (the group's leader) has exited. */
  get running(): boolean {
    return this.#running
  }

  /**
   * True while the group may have live members: the child runs, or a stop is waiting for it or
   * for what it left in its group. A second signal then SIGKILLs the group (see `kill`).
   */
  get active(): boolean {
    return this.#running || this.#stopping
  }

  /** Passes a signal on to the child's group while it is active (Go passes them to the child). */
  forward(signal: NodeJS.Signals): void {
    if (!this.active) return
    this.#signalGroup(signal)
    if (signal === 'SIGTERM') this.#terminateSent = true
  }

  /** SIGKILLs the whole group now (a second Ctrl-C during the grace period). */
  kill(): void {
    this.#output.info(`Killing child process group ${this.pid}`)
    this.#signalGroup('SIGKILL')
  }

  /**
   * Stops the group: SIGTERM (unless one was just forwarded), then SIGKILL if the child, or
   * anything it left in its group, is still there after `graceMs`. Also run when the child has
   * exited by itself, for what it left behind: nothing started under the lock outlives it.
   */
  stop(graceMs: number): Promise<void> {
    this.#stopped ??= this.#stop(graceMs)
    return this.#stopped
  }

  async #stop(graceMs: number): Promise<void> {
    if (this.pid === undefined || (!this.#running && !this.#groupAlive())) return this.#forget()
    this.#stopping = true
    this.#output.info(
      this.#running
        ? `Terminating child process group ${this.pid}`
        : `Terminating what the child left in its process group ${this.pid}`,
    )
    if (!this.#terminateSent) this.#signalGroup('SIGTERM')
    const deadline = performance.now() + graceMs
    if (await this.#groupEndsBy(deadline)) {
      this.#output.info('Child terminated')
    } else {
      this.#output.info(`Child did not exit after grace period of ${formatGoDuration(graceMs)}`)
      this.kill()
      await this.exited
    }
    this.#forget()
  }

  /** Waits for the child to exit and its group to empty; false if `deadline` came first. */
  async #groupEndsBy(deadline: number): Promise<boolean> {
    const timeout = new AbortController()
    const timer = setTimeout(() => timeout.abort(), Math.max(0, deadline - performance.now()))
    try {
      const exited = await Promise.race([
        this.exited.then(() => true),
        new Promise<false>((resolve) => timeout.signal.addEventListener('abort', () => resolve(false))),
      ])
      if (!exited) return false
      // No event tells when the last member of a group is gone: look every few milliseconds.
      while (this.#groupAlive()) {
        if (timeout.signal.aborted) return false
        await new Promise((resolve) => setTimeout(resolve, GROUP_POLL_MS))
      }
      return true
    } finally {
      clearTimeout(timer)
    }
  }

  #forget(): void {
    this.#stopping = false
    process.off('exit', this.#killOnExit)
  }

  #groupAlive(): boolean {
    return this.pid !== undefined && groupHasLiveMember(this.pid)
  }

  #signalGroup(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return
    try {
      signalGroup(this.pid, signal)
    } catch (error) {
      this.#output.error(`Warning, could not signal the child's process group ${this.pid}: ${String(error)}`)
    }
  }
}
