/**
 * The demo's output: one aligned line per event, stamped with the time since the demo started,
 * e.g. `  +0.412s  worker-2  leads (session 3f2a0c1e…)`.
 */

export interface Timeline {
  /** Milliseconds since the demo started. */
  now(): number
  /** One timeline line: the time, who acted or was observed, and what happened. */
  line(who: string, what: string): void
  /** A line outside the timeline: headings, the summary. */
  text(line?: string): void
}

const WHO_WIDTH = 9
const TIME_WIDTH = 9

export function createTimeline(
  write: (text: string) => void = (text) => process.stdout.write(text),
  clock: () => number = () => performance.now(),
): Timeline {
  const start = clock()
  const now = () => clock() - start
  return {
    now,
    line(who, what) {
      const time = `+${(now() / 1000).toFixed(3)}s`.padStart(TIME_WIDTH)
      write(`${time}  ${who.padEnd(WHO_WIDTH)} ${what}\n`)
    },
    text(line = '') {
      write(`${line}\n`)
    },
  }
}

/** The first 8 characters of a session ID: enough to tell the demo's sessions apart. */
export function shortSession(session: string): string {
  return `${session.slice(0, 8)}…`
}

/** `37 ms` below a second, `2.91 s` above. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`
}
