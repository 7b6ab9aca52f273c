/**
 * An abortable pause, for loops that retry after a failure.
 */
import { setTimeout as sleep } from 'node:timers/promises'

/** Waits `ms`; resolves `false` instead when `signal` aborts first (or had already aborted). */
export async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal })
    return true
  } catch (error) {
    if (signal?.aborted) return false
    throw error
  }
}
