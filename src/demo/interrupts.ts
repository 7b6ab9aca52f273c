/**
 * Ctrl-C (SIGINT), SIGTERM and SIGHUP while the demo runs. The first one aborts the run: the
 * cleanup then stops the workers the graceful way. Another one SIGKILLs every worker (its
 * consul-lock and its child's group) at once and lets the cleanup finish; a third exits at once.
 * The workers are detached (process groups of their own), so nothing else would stop them:
 * they are SIGKILLed too when the demo exits with one still running.
 */
import type { Timeline } from './timeline.js'
import type { Worker } from './workers.js'

const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/** The exit code after Ctrl-C, as shells report a SIGINT. */
export const INTERRUPTED = 130

export interface Interrupts {
  /** Aborted at the first signal. */
  readonly signal: AbortSignal
  /** Stops listening for the signals (the workers are still killed if the demo exits before they do). */
  dispose(): void
}

export function watchInterrupts(timeline: Timeline, workers: () => readonly Worker[]): Interrupts {
  const interruption = new AbortController()
  let count = 0
  const killWorkers = () => {
    for (const worker of workers()) if (worker.running) worker.kill()
  }
  const interrupt = (signal: NodeJS.Signals) => {
    count++
    if (count === 1) {
      timeline.line('demo', `${signal}: stopping the workers and cleaning up`)
      interruption.abort(new Error(`interrupted by ${signal}`))
      return
    }
    if (count > 2) process.exit(INTERRUPTED)
    timeline.line('demo', `${signal} again: killing the workers (SIGKILL), then cleaning up`)
    killWorkers()
  }
  for (const name of INTERRUPT_SIGNALS) process.on(name, interrupt)
  process.on('exit', killWorkers)
  return {
    signal: interruption.signal,
    dispose() {
      for (const name of INTERRUPT_SIGNALS) process.off(name, interrupt)
    },
  }
}
