import { describe, expect, it } from 'vitest'
import { uniquePrefix, useTarget } from '../../support/consul-target.js'
import { createSession, type KvPairJson, raw } from '../../support/raw-http.js'

// Many clients contending on one lock key, as the lock statechart will: blocking GET → acquire
// → release, concurrently. Runs against a real agent too (nothing here reads dev-server state).
const t = useTarget()

const CONTENDERS = 10
const ROUNDS = 4

async function read(key: string, index = 0): Promise<{ entry: KvPairJson | undefined; index: number }> {
  const query = index > 0 ? `?index=${index}&wait=5s` : ''
  const res = await raw(t, 'GET', `/v1/kv/${key}${query}`)
  if (res.status !== 200 && res.status !== 404) throw new Error(`GET ${res.status} ${res.text}`)
  return { entry: res.status === 200 ? res.json<KvPairJson[]>()[0] : undefined, index: res.index }
}

describe('lock contention', () => {
  it('keeps mutual exclusion and counts every fresh acquire once, with 10 looping contenders', async () => {
    const key = `${uniquePrefix('contend')}/lock`
    const sessions = await Promise.all(
      Array.from({ length: CONTENDERS }, () => createSession(t, { LockDelay: '0s' })),
    )
    let holder: string | undefined
    const lockIndexes: number[] = []
    const indexesSeen = new Map<string, number>()

    const contender = async (session: string): Promise<void> => {
      let index = 0
      for (let won = 0; won < ROUNDS; ) {
        const seen = await read(key, index)
        // X-Consul-Index of one key never goes backwards for one watcher.
        expect(seen.index).toBeGreaterThanOrEqual(indexesSeen.get(session) ?? 0)
        indexesSeen.set(session, seen.index)
        index = seen.index
        if (seen.entry?.Session !== undefined) continue
        const acquired = await raw(t, 'PUT', `/v1/kv/${key}?acquire=${session}`, { body: session })
        if (acquired.json() !== true) continue
        expect(holder).toBeUndefined()
        holder = session
        const held = await read(key)
        expect(held.entry?.Session).toBe(session)
        lockIndexes.push(held.entry?.LockIndex ?? -1)
        won++
        holder = undefined
        const released = await raw(t, 'PUT', `/v1/kv/${key}?release=${session}`)
        expect(released.json()).toBe(true)
      }
    }
    await Promise.all(sessions.map(contender))

    expect(lockIndexes).toEqual(Array.from({ length: CONTENDERS * ROUNDS }, (_, i) => i + 1))
    for (const id of sessions) await raw(t, 'PUT', `/v1/session/destroy/${id}`)
  })
})

interface SemaphoreRecord {
  Limit: number
  Holders: Record<string, boolean>
}

describe('semaphore contention', () => {
  it('admits at most Limit holders, with 6 contenders following api/semaphore.go', async () => {
    const prefix = uniquePrefix('sem')
    const limit = 2
    const sessions = await Promise.all(
      Array.from({ length: 6 }, () => createSession(t, { Behavior: 'delete', LockDelay: '0s' })),
    )
    const holding = new Set<string>()
    let maxHolding = 0

    const contender = async (session: string): Promise<void> => {
      const put = await raw(t, 'PUT', `/v1/kv/${prefix}/${session}?acquire=${session}`, { body: 'c' })
      expect(put.json()).toBe(true)
      let index = 0
      for (;;) {
        const query = index > 0 ? `&index=${index}&wait=5s` : ''
        const listed = await raw(t, 'GET', `/v1/kv/${prefix}/?recurse${query}`)
        const pairs = listed.status === 200 ? listed.json<KvPairJson[]>() : []
        index = listed.index
        const lockPair = pairs.find((pair) => pair.Key === `${prefix}/.lock`)
        const record: SemaphoreRecord = lockPair?.Value
          ? JSON.parse(Buffer.from(lockPair.Value, 'base64').toString())
          : { Limit: limit, Holders: {} }
        const alive = new Set(pairs.flatMap((pair) => (pair.Session ? [pair.Session] : [])))
        for (const holder of Object.keys(record.Holders))
          if (!alive.has(holder)) delete record.Holders[holder]
        if (Object.keys(record.Holders).length >= limit) continue
        record.Holders[session] = true
        const cas = await raw(t, 'PUT', `/v1/kv/${prefix}/.lock?cas=${lockPair?.ModifyIndex ?? 0}`, {
          body: JSON.stringify(record),
        })
        if (cas.json() === true) break
      }
      holding.add(session)
      maxHolding = Math.max(maxHolding, holding.size)
      // Hold across a turn of the event loop so others really contend, then die as a crash would.
      await new Promise((resolve) => setImmediate(resolve))
      holding.delete(session)
      await raw(t, 'PUT', `/v1/session/destroy/${session}`)
    }
    await Promise.all(sessions.map(contender))

    expect(maxHolding).toBeLessThanOrEqual(limit)
    expect(maxHolding).toBeGreaterThan(0)
    const left = await raw(t, 'GET', `/v1/kv/${prefix}/?keys`)
    expect(left.json()).toEqual([`${prefix}/.lock`])
  })
})
