import { nsToMs, SECOND } from './go/duration.js'
import type { Timers } from './timers.js'

/**
 * Consul's blocking-query loop (`blockingQuery` in agent/consul/rpc.go), for one request.
 *
 * `index` absent/0: evaluate once. Otherwise wait up to `wait` (default 300 s, capped at
 * 600 s, plus up to 1/16 jitter) for the result index to pass `index`, re-evaluating each time
 * a watched item changes. The not-found rule: a second not-found evaluation raises the
 * threshold to the current index, so a missing key keeps blocking until it (re)appears.
 */

const DEFAULT_QUERY_TIME_NS = 300n * SECOND
const MAX_QUERY_TIME_NS = 600n * SECOND

export interface Evaluation {
  /** The index this result reports (clamped to ≥ 1 by the caller's headers). */
  readonly index: number
  /** True for "errNotFound" results (single KV key, session info). */
  readonly notFound?: boolean
}

export interface BlockingOptions {
  readonly minIndex: bigint
  readonly waitNs: bigint
  /** Aborted when the client disconnects or the server closes. */
  readonly signal: AbortSignal
  readonly timers: Timers
}

/** The wait a blocking query will use, in ms: clamped, defaulted, with jitter in [0, T/16). */
export function blockingTimeoutMs(waitNs: bigint): number {
  let ns = waitNs
  if (ns > MAX_QUERY_TIME_NS) ns = MAX_QUERY_TIME_NS
  if (ns <= 0n) ns = DEFAULT_QUERY_TIME_NS
  const ms = nsToMs(ns)
  return ms + Math.random() * (ms / 16)
}

/**
 * Runs the loop. `watch` registers a wake-up on exactly what `evaluate` read and returns its
 * unsubscribe. Resolves with the result to send, or `undefined` if the request was aborted.
 */
export async function blockingQuery<E extends Evaluation>(
  options: BlockingOptions,
  evaluate: () => E,
  watch: (wake: () => void) => () => void,
): Promise<E | undefined> {
  let result = evaluate()
  if (options.minIndex === 0n) return result
  if (options.signal.aborted) return undefined
  const deadline = performance.now() + blockingTimeoutMs(options.waitNs)
  let threshold = options.minIndex
  let seenNotFound = false
  for (;;) {
    if (result.notFound) {
      if (seenNotFound) threshold = BigInt(Math.max(1, result.index))
      seenNotFound = true
    }
    if (BigInt(Math.max(1, result.index)) > threshold) return result
    const outcome = await waitForWake(options, deadline, watch)
    if (outcome === 'aborted') return undefined
    result = evaluate()
    if (outcome === 'timeout') return result
  }
}

type Outcome = 'woken' | 'timeout' | 'aborted'

function waitForWake(
  options: BlockingOptions,
  deadline: number,
  watch: (wake: () => void) => () => void,
): Promise<Outcome> {
  if (options.signal.aborted) return Promise.resolve('aborted')
  return new Promise((resolve) => {
    let settled = false
    const finish = (outcome: Outcome): void => {
      if (settled) return
      settled = true
      unwatch()
      options.timers.clear(timer)
      options.signal.removeEventListener('abort', onAbort)
      resolve(outcome)
    }
    const onAbort = (): void => finish('aborted')
    const unwatch = watch(() => finish('woken'))
    const timer = options.timers.set(() => finish('timeout'), deadline - performance.now())
    options.signal.addEventListener('abort', onAbort, { once: true })
  })
}
