import { describe, expect, it } from 'vitest'
import type { KVPair, ReadOptions, SessionEntry } from '../../../src/consul/types.js'
import { type LeaderClient, readLeader } from '../../../src/election/leader.js'
import { observeLeader } from '../../../src/election/observe.js'

const KEY = 'service/leader'

/** The key as read at `modifyIndex` (its LockIndex is 1 throughout). */
function pair(session: string | undefined, value: string, modifyIndex: bigint): KVPair {
  return {
    key: KEY,
    value: Buffer.from(value),
    flags: 0n,
    lockIndex: 1n,
    createIndex: 1n,
    modifyIndex,
    ...(session === undefined ? {} : { session }),
  }
}

function session(id: string, node: string): SessionEntry {
  return {
    id,
    name: '',
    node,
    lockDelay: 0,
    behavior: 'release',
    ttl: '',
    nodeChecks: [],
    serviceChecks: [],
    createIndex: 1n,
    modifyIndex: 1n,
  }
}

/**
 * A client whose key reads answer `reads` in order (then never, until aborted) and whose
 * sessions are `live`; it records the index of every key read.
 */
function fakeClient(reads: (KVPair | null)[], live: SessionEntry[]) {
  const indexes: bigint[] = []
  const client: LeaderClient = {
    kv: {
      get: async (_key: string, options: ReadOptions = {}) => {
        indexes.push(BigInt(options.index ?? 0))
        const next = reads.shift()
        if (next === undefined) {
          return new Promise((_resolve, reject) => {
            options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true })
          })
        }
        return {
          value: next,
          meta: { lastIndex: next?.modifyIndex ?? 1n, knownLeader: true, lastContact: 0 },
        }
      },
    },
    session: {
      info: async (id: string) => ({
        value: live.find((entry) => entry.id === id) ?? null,
        meta: { lastIndex: 1n, knownLeader: true, lastContact: 0 },
      }),
    },
  }
  return { client, indexes }
}

describe('readLeader', () => {
  it('reads the key again when its session vanished between the key read and the session read', async () => {
    const { client, indexes } = fakeClient(
      [pair('gone', 'old', 5n), pair('s2', 'new', 6n)],
      [session('s2', 'n2')],
    )

    expect(await readLeader(client, KEY)).toEqual({ value: 'new', session: 's2', node: 'n2', lockIndex: 1n })
    expect(indexes).toEqual([0n, 0n])
  })

  it('is null for a missing key and for a key nobody holds, without reading a session', async () => {
    const { client } = fakeClient([null, pair(undefined, 'v', 3n)], [])

    expect(await readLeader(client, KEY)).toBeNull()
    expect(await readLeader(client, KEY)).toBeNull()
  })
})

describe('observeLeader', () => {
  it('skips a state whose session vanished and blocks on the index it read', async () => {
    const { client, indexes } = fakeClient(
      [pair('s1', 'a', 5n), pair('gone', 'b', 7n), pair('s1', 'a', 8n), pair('s3', 'c', 9n)],
      [session('s1', 'n1'), session('s3', 'n3')],
    )
    const stop = new AbortController()
    const seen: unknown[] = []

    for await (const leader of observeLeader(client, KEY, { signal: stop.signal, retryMs: 1 })) {
      seen.push(leader)
      if (seen.length === 2) stop.abort()
    }

    // 'gone' is never reported, and s1 with the same value again is no change.
    expect(seen).toEqual([
      { value: 'a', session: 's1', node: 'n1', lockIndex: 1n },
      { value: 'c', session: 's3', node: 'n3', lockIndex: 1n },
    ])
    expect(indexes).toEqual([0n, 5n, 7n, 8n])
  })
})
