import { describe, expect, it } from 'vitest'
import { useClientSuite } from '../../support/client-target.js'

const suite = useClientSuite('client-session')

describe('sessions', () => {
  it('creates a session and reads it back with the options it was given', async () => {
    const ttl = `${suite.target.minTTLms}ms`
    const id = suite.track(
      await suite.consul.session.create({
        name: `${suite.prefix} info`,
        ttl,
        lockDelay: 1500,
        behavior: 'delete',
      }),
    )

    const { value: session, meta } = await suite.consul.session.info(id)
    expect(session).toMatchObject({
      id,
      name: `${suite.prefix} info`,
      ttl,
      lockDelay: 1500,
      behavior: 'delete',
    })
    expect(session?.node).not.toBe('')
    expect(session?.nodeChecks).toEqual(['serfHealth'])
    expect(session?.createIndex).toBeGreaterThan(0n)
    expect(meta.lastIndex).toBeGreaterThanOrEqual(session?.createIndex ?? 0n)
  })

  it('uses Consul defaults when created without options (15 s lock-delay, release, no TTL)', async () => {
    const id = suite.track(await suite.consul.session.create())
    const session = (await suite.consul.session.info(id)).value
    expect(session).toMatchObject({ id, lockDelay: 15_000, behavior: 'release', ttl: '' })
  })

  it('sends lock-delay 0 as no delay and links no checks when asked', async () => {
    const id = suite.track(
      await suite.consul.session.create({ lockDelay: 0, nodeChecks: [], ttl: `${suite.target.minTTLms}ms` }),
    )
    const session = (await suite.consul.session.info(id)).value
    expect(session?.lockDelay).toBe(0)
    expect(session?.nodeChecks).toEqual([])
  })

  it('renews a live session and reports a destroyed one as null', async () => {
    const ttl = `${suite.target.minTTLms}ms`
    const id = await suite.consul.session.create({ name: `${suite.prefix} renew`, ttl })
    const renewed = await suite.consul.session.renew(id)
    expect(renewed).toMatchObject({ id, ttl })

    await suite.consul.session.destroy(id)
    expect(await suite.consul.session.renew(id)).toBeNull()
    expect((await suite.consul.session.info(id)).value).toBeNull()
    // Destroying an unknown session succeeds.
    await suite.consul.session.destroy(id)
  })

  it('lists all sessions and the sessions of a node', async () => {
    const id = suite.track(
      await suite.consul.session.create({ name: `${suite.prefix} list`, ttl: `${suite.target.minTTLms}ms` }),
    )
    const node = (await suite.consul.session.info(id)).value?.node
    if (!node) throw new Error('session has no node')

    const { value: all, meta } = await suite.consul.session.list()
    expect(all.map((session) => session.id)).toContain(id)
    expect(meta.lastIndex).toBeGreaterThan(0n)
    const { value: onNode } = await suite.consul.session.node(node)
    expect(onNode.map((session) => session.id)).toContain(id)
    expect(onNode.every((session) => session.node === node)).toBe(true)
    expect((await suite.consul.session.node('no-such-node-for-client-tests')).value).toEqual([])
  })

  it('releases held keys when destroyed, keeping LockIndex', async () => {
    const id = await suite.consul.session.create({ lockDelay: 0, ttl: `${suite.target.minTTLms}ms` })
    const key = `${suite.prefix}/held`
    expect(await suite.consul.kv.acquire(key, id, 'v')).toBe(true)
    await suite.consul.session.destroy(id)
    const pair = (await suite.consul.kv.get(key)).value
    expect(pair?.session).toBeUndefined()
    expect(pair?.lockIndex).toBe(1n)
  })

  it('wakes a blocking info read when the session is destroyed', async () => {
    const id = await suite.consul.session.create({ ttl: `${suite.target.minTTLms}ms` })
    const { meta } = await suite.consul.session.info(id)
    const watch = suite.consul.session.info(id, { index: meta.lastIndex, wait: '15s' })
    await suite.consul.session.destroy(id)
    const after = await watch
    expect(after.value).toBeNull()
    expect(after.meta.lastIndex).toBeGreaterThan(meta.lastIndex)
  })
})
