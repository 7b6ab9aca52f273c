import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Consul } from '../../../src/consul/client.js'
import { clientFor } from '../../support/client-target.js'
import { type ConsulTarget, startTarget, uniquePrefix } from '../../support/consul-target.js'

let target: ConsulTarget
let consul: Consul
const prefix = uniquePrefix('client-session')
const sessions: string[] = []

beforeAll(async () => {
  target = await startTarget()
  consul = clientFor(target)
})

afterAll(async () => {
  await consul.kv.delete(`${prefix}/`, { recurse: true })
  for (const id of sessions) await consul.session.destroy(id)
  await consul.close()
  await target.close()
})

function track(id: string): string {
  sessions.push(id)
  return id
}

describe('sessions', () => {
  it('creates a session and reads it back with the options it was given', async () => {
    const ttl = `${target.minTTLms}ms`
    const id = track(
      await consul.session.create({ name: `${prefix} info`, ttl, lockDelay: 1500, behavior: 'delete' }),
    )

    const { value: session, meta } = await consul.session.info(id)
    expect(session).toMatchObject({ id, name: `${prefix} info`, ttl, lockDelay: 1500, behavior: 'delete' })
    expect(session?.node).not.toBe('')
    expect(session?.nodeChecks).toEqual(['serfHealth'])
    expect(session?.createIndex).toBeGreaterThan(0n)
    expect(meta.lastIndex).toBeGreaterThanOrEqual(session?.createIndex ?? 0n)
  })

  it('uses Consul defaults when created without options (15 s lock-delay, release, no TTL)', async () => {
    const id = track(await consul.session.create())
    const session = (await consul.session.info(id)).value
    expect(session).toMatchObject({ id, lockDelay: 15_000, behavior: 'release', ttl: '' })
  })

  it('sends lock-delay 0 as no delay and links no checks when asked', async () => {
    const id = track(
      await consul.session.create({ lockDelay: 0, nodeChecks: [], ttl: `${target.minTTLms}ms` }),
    )
    const session = (await consul.session.info(id)).value
    expect(session?.lockDelay).toBe(0)
    expect(session?.nodeChecks).toEqual([])
  })

  it('renews a live session and reports a destroyed one as null', async () => {
    const ttl = `${target.minTTLms}ms`
    const id = await consul.session.create({ name: `${prefix} renew`, ttl })
    const renewed = await consul.session.renew(id)
    expect(renewed).toMatchObject({ id, ttl })

    await consul.session.destroy(id)
    expect(await consul.session.renew(id)).toBeNull()
    expect((await consul.session.info(id)).value).toBeNull()
    // Destroying an unknown session succeeds.
    await consul.session.destroy(id)
  })

  it('lists all sessions and the sessions of a node', async () => {
    const id = track(await consul.session.create({ name: `${prefix} list`, ttl: `${target.minTTLms}ms` }))
    const node = (await consul.session.info(id)).value?.node
    if (!node) throw new Error('session has no node')

    const { value: all, meta } = await consul.session.list()
    expect(all.map((session) => session.id)).toContain(id)
    expect(meta.lastIndex).toBeGreaterThan(0n)
    const { value: onNode } = await consul.session.node(node)
    expect(onNode.map((session) => session.id)).toContain(id)
    expect(onNode.every((session) => session.node === node)).toBe(true)
    expect((await consul.session.node('no-such-node-for-client-tests')).value).toEqual([])
  })

  it('releases held keys when destroyed, keeping LockIndex', async () => {
    const id = await consul.session.create({ lockDelay: 0, ttl: `${target.minTTLms}ms` })
    const key = `${prefix}/held`
    expect(await consul.kv.acquire(key, id, 'v')).toBe(true)
    await consul.session.destroy(id)
    const pair = (await consul.kv.get(key)).value
    expect(pair?.session).toBeUndefined()
    expect(pair?.lockIndex).toBe(1n)
  })

  it('wakes a blocking info read when the session is destroyed', async () => {
    const id = await consul.session.create({ ttl: `${target.minTTLms}ms` })
    const { meta } = await consul.session.info(id)
    const watch = consul.session.info(id, { index: meta.lastIndex, wait: '15s' })
    await consul.session.destroy(id)
    const after = await watch
    expect(after.value).toBeNull()
    expect(after.meta.lastIndex).toBeGreaterThan(meta.lastIndex)
  })
})
