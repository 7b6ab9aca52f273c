/**
 * Who leads an election: the session holding the election key, with its value and its node.
 */
import type { KVEndpoint } from '../consul/kv.js'
import type { SessionEndpoint } from '../consul/session.js'
import type { CallOptions, KVPair } from '../consul/types.js'

/** The leader of an election, as `leader()` and `observe()` report it. */
export interface LeaderInfo {
  /** The leader's value (its `value` option, or what it last proclaimed) as UTF-8; `null` when empty. */
  readonly value: string | null
  /** The leader's session. */
  readonly session: string
  /** The node the leader's session belongs to. */
  readonly node: string
  /** The key's LockIndex: grows by one with every new leader (restarts if the key is deleted). */
  readonly lockIndex: bigint
}

/** The reads `leader()` and `observe()` need. */
export interface LeaderClient {
  readonly kv: Pick<KVEndpoint, 'get'>
  readonly session: Pick<SessionEndpoint, 'info'>
}

/**
 * Returned by {@link leaderOf} when the key's session no longer exists: it was invalidated after
 * the key was read, which also changed the key, so the key must be read again.
 */
export const SESSION_VANISHED = Symbol('session vanished')

/** The leader an election key names (`null`: nobody holds it, or it does not exist). */
export async function leaderOf(
  client: LeaderClient,
  pair: KVPair | null,
  options: CallOptions,
): Promise<LeaderInfo | null | typeof SESSION_VANISHED> {
  if (pair?.session === undefined) return null
  const { value: session } = await client.session.info(pair.session, { signal: options.signal })
  if (session === null) return SESSION_VANISHED
  return {
    value: pair.value === null ? null : pair.value.toString('utf8'),
    session: pair.session,
    node: session.node,
    lockIndex: pair.lockIndex,
  }
}

/** Reads the current leader of `key`, reading again if its session vanished in between. */
export async function readLeader(
  client: LeaderClient,
  key: string,
  options: CallOptions = {},
): Promise<LeaderInfo | null> {
  for (;;) {
    const { value: pair } = await client.kv.get(key, { signal: options.signal })
    const leader = await leaderOf(client, pair, options)
    if (leader !== SESSION_VANISHED) return leader
  }
}

/** True when two reports name the same leader with the same value. */
export function sameLeader(a: LeaderInfo | null, b: LeaderInfo | null): boolean {
  if (a === null || b === null) return a === b
  return a.session === b.session && a.value === b.value && a.node === b.node && a.lockIndex === b.lockIndex
}
