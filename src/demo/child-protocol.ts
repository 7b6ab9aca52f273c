/**
 * The lines a demo worker's child prints, and their parser: the demo learns from them when a
 * child works (and its pid, for the crash) and when it stops.
 */

export const CHILD_MARKER = '[demo-child]'

export type ChildLine =
  /** `lockHeld`: the `CONSUL_LOCK_HELD` the child found in its environment. */
  { kind: 'working'; pid: number; lockHeld: string } | { kind: 'stopping' }

/** The meaning of one line of a worker's output, or `undefined` if the child did not print it. */
export function parseChildLine(line: string): ChildLine | undefined {
  if (!line.startsWith(`${CHILD_MARKER} `)) return undefined
  const working = / working pid=(\d+) CONSUL_LOCK_HELD=(\S+)/.exec(line)
  if (working) return { kind: 'working', pid: Number(working[1]), lockHeld: working[2] as string }
  if (line.includes(' stopping ')) return { kind: 'stopping' }
  return undefined
}
