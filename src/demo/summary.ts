/** The closing table of the demo: what was measured, and proof that nothing was left behind. */
import type { Leftovers } from './cleanup.js'
import type { LockResult } from './scenario-lock.js'
import type { SemaphoreResult } from './scenario-semaphore.js'
import type { DemoSettings } from './settings.js'
import { formatMs, type Timeline } from './timeline.js'

export interface DemoResults {
  lock?: LockResult
  semaphore?: SemaphoreResult
}

export function printSummary(
  timeline: Timeline,
  settings: DemoSettings,
  results: DemoResults,
  leftovers: Leftovers,
): void {
  const rows: [string, string][] = []
  const { lock, semaphore } = results
  if (lock) {
    rows.push([
      'graceful hand-off',
      `${formatMs(lock.handoffMs)} (SIGTERM → child stopped → released → next leads)`,
    ])
    const expiry =
      lock.expiryMs === undefined ? '' : `session expired after ${formatMs(lock.expiryMs)}, then `
    rows.push([
      'crash failover',
      `${formatMs(lock.failoverMs)} (${expiry}lock-delay ${settings.lockDelay}; TTL ${settings.sessionTTL}, bound 2×TTL + lock-delay)`,
    ])
  }
  if (semaphore) {
    rows.push(['max concurrent holders', `${semaphore.maxHolders} (semaphore limit ${semaphore.limit})`])
    rows.push(['freed slot taken in', formatMs(semaphore.slotHandoffMs)])
  }
  const left = (count: number | undefined) =>
    count === undefined ? 'not checked (no /proc)' : count === 0 ? '0' : `${count} (removed by the cleanup)`
  rows.push(['sessions left', left(leftovers.sessions)])
  rows.push(['keys left', left(leftovers.keys)])
  rows.push(['processes left', left(leftovers.processes)])
  const width = Math.max(...rows.map(([label]) => label.length))
  timeline.text()
  timeline.text('Summary')
  for (const [label, value] of rows) timeline.text(`  ${label.padEnd(width)}  ${value}`)
}

/** Whether the run kept every promise: nothing left behind, never more holders than the limit. */
export function keptItsPromises(results: DemoResults, leftovers: Leftovers): boolean {
  const overLimit = results.semaphore !== undefined && results.semaphore.maxHolders > results.semaphore.limit
  return !overLimit && leftovers.sessions === 0 && leftovers.keys === 0 && !leftovers.processes
}
