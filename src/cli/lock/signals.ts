/**
 * The shutdown signals while the lock command runs: SIGINT and SIGTERM, and SIGHUP and SIGQUIT
 * too, because the child runs in a session of its own, out of reach of the terminal's signals
 * (a hang-up, Ctrl-\): consul-lock must stop it. The first one starts the shutdown (its
 * `signal` aborts); each one is also handed to `onSignal` with its count, so the command can
 * forward it to the child and act on a second one.
 */
const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'] as const

export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number]

export interface ShutdownWatch {
  /** Aborted at the first shutdown signal, with the signal's name as the reason. */
  readonly signal: AbortSignal
  /** Stops listening: the signals get their default action again. */
  dispose(): void
}

export function watchShutdownSignals(
  onSignal: (signal: ShutdownSignal, count: number) => void,
  target: Pick<NodeJS.Process, 'on' | 'off'> = process,
): ShutdownWatch {
  const controller = new AbortController()
  let count = 0
  const listener = (signal: ShutdownSignal) => {
    count++
    if (count === 1) controller.abort(signal)
    onSignal(signal, count)
  }
  for (const name of SHUTDOWN_SIGNALS) target.on(name, listener)
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of SHUTDOWN_SIGNALS) target.off(name, listener)
    },
  }
}
