/**
 * The processes of a demo run, found by the run id in their command line (every worker's
 * consul-lock and child carries it): what the cleanup kills and the summary counts.
 * Linux's /proc only; elsewhere the check is skipped (`undefined`).
 */
import { readdir, readFile } from 'node:fs/promises'

export async function processesOfRun(runId: string): Promise<number[] | undefined> {
  let entries: string[]
  try {
    entries = await readdir('/proc')
  } catch {
    return undefined
  }
  const pids: number[] = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    // A process may end while we read: its cmdline is then gone, and it is no leftover.
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (cmdline.includes(runId)) pids.push(Number(entry))
  }
  return pids
}
