/**
 * `election.observe()`: the leader of an election key, then every change of it, from blocking
 * reads of the key.
 */
import { nextWaitIndex } from '../consul/blocking.js'
import { isRetryable } from '../errors.js'
import { type LeaderClient, type LeaderInfo, leaderOf, SESSION_VANISHED, sameLeader } from './leader.js'
import { pause } from './pause.js'

export interface ObserveSettings {
  /** Ends the observation: the read in flight is aborted and the iterator finishes. */
  signal: AbortSignal
  /** The pause before a failed read is retried, in ms. */
  retryMs: number
}

/**
 * The leader changes of `key`: the current leader first, then each change (`null` when nobody
 * leads). Retryable failures are retried after `retryMs`; others are thrown. Ends when
 * `settings.signal` aborts or the consumer stops; `return()` aborts a read in flight, even
 * while a `next()` is still pending, so no request outlives the iterator.
 */
export function observeLeader(
  client: LeaderClient,
  key: string,
  settings: ObserveSettings,
): AsyncGenerator<LeaderInfo | null, void, undefined> {
  const stopped = new AbortController()
  const signal = AbortSignal.any([settings.signal, stopped.signal])
  const changes = watchLeader(client, key, signal, settings.retryMs)
  // An async generator queues `return()` behind a pending `next()`: abort the read first.
  const observer: AsyncGenerator<LeaderInfo | null, void, undefined> = {
    next: () => changes.next(),
    return: (value) => {
      stopped.abort()
      return changes.return(value)
    },
    throw: (error) => {
      stopped.abort()
      return changes.throw(error)
    },
    [Symbol.asyncIterator]: () => observer,
    [Symbol.asyncDispose]: async () => {
      await observer.return()
    },
  }
  return observer
}

async function* watchLeader(
  client: LeaderClient,
  key: string,
  signal: AbortSignal,
  retryMs: number,
): AsyncGenerator<LeaderInfo | null, void, undefined> {
  let index = 0n
  let reported: { leader: LeaderInfo | null } | undefined
  while (!signal.aborted) {
    let leader: Awaited<ReturnType<typeof leaderOf>>
    try {
      const { value: pair, meta } = await client.kv.get(key, { index, signal })
      leader = await leaderOf(client, pair, { signal })
      index = nextWaitIndex(index, meta.lastIndex)
    } catch (error) {
      if (signal.aborted) return
      if (!isRetryable(error)) throw error
      if (!(await pause(retryMs, signal))) return
      continue
    }
    // The key changed with the session's end: the next read answers at once.
    if (leader === SESSION_VANISHED) continue
    if (reported !== undefined && sameLeader(reported.leader, leader)) continue
    reported = { leader }
    yield leader
  }
}
