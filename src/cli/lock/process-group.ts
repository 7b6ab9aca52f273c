/**
 * Signalling a process group, and telling whether it still has a live member. A zombie (a
 * member that has exited but was not reaped yet) is not live: when the child dies before what
 * it started, those orphans are reaped by init, and not at all when consul-lock itself is
 * PID 1 of a container. Linux shows process states in /proc; elsewhere any member counts.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** Sends `signal` to every process of group `pgid`; false when the group has no process left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

/** True while group `pgid` has a member that has not exited. */
export function groupHasLiveMember(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false
  const members = procStats()
  if (members === undefined) return true
  return members.some((stat) => stat.pgid === pgid && !isExited(stat.state))
}

/**
 * Whether process `pid` has exited (also when it is a zombie). For tests that check what a
 * stopped child left behind.
 */
export function processHasExited(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true
  }
  const state = procStat(pid)?.state
  return state !== undefined && isExited(state)
}

interface ProcStat {
  state: string
  pgid: number
}

const isExited = (state: string) => state === 'Z' || state === 'X'

/** `/proc/<pid>/stat`: the fields after the command name, which may contain spaces and ')'. */
function procStat(pid: number | string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const [state = '', , pgid = ''] = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { state, pgid: Number(pgid) }
  } catch {
    return undefined
  }
}

/** Every process's state and group, or `undefined` without a Linux /proc. */
function procStats(): ProcStat[] | undefined {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return undefined
  }
  const stats: ProcStat[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const stat = procStat(entry)
    if (stat) stats.push(stat)
  }
  return stats
}
