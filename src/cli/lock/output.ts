/**
 * Where the lock command writes: `-verbose` progress lines on stdout (Go's `Ui.Info`), each
 * with an ISO timestamp, and errors (and the inspector's address) as one line on stderr. Never a stack trace, and never the
 * token: nothing here prints options, and the client keeps the token out of its errors.
 */
export interface Output {
  /** A progress line, printed with `-verbose` only. */
  info(text: string): void
  /** An error line, always printed. */
  error(text: string): void
  /** A line that is not an error but always printed, as errors are (the inspector's address). */
  notice(text: string): void
}

/** `2026-11-26T09:30:00.123Z consul-lock: <text>`: the format of every `-verbose` line. */
export function verboseLine(text: string, now: Date = new Date()): string {
  return `${now.toISOString()} consul-lock: ${text}\n`
}

export function createOutput(
  verbose: boolean,
  streams: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Output {
  return {
    info: verbose ? (text) => streams.stdout.write(verboseLine(text)) : () => {},
    error: (text) => streams.stderr.write(`consul-lock: ${text}\n`),
    notice: (text) => streams.stderr.write(`consul-lock: ${text}\n`),
  }
}

/** An error's message alone, for a one-line report. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
