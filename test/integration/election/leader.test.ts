import { describe, expect, it } from 'vitest'
import { useClientSuite } from '../../support/client-target.js'
import { useElections } from '../../support/election-helpers.js'

const suite = useClientSuite('election-leader')
const elections = useElections(suite)

describe('leader()', () => {
  it('is null before anyone campaigned (no key)', async () => {
    const a = elections.candidate({ key: elections.key('none') })
    expect(await a.leader()).toBeNull()
  })

  it("names the leader to every candidate: its value, session, the session's node and the LockIndex", async () => {
    const key = elections.key('names')
    const a = elections.candidate({ key, value: 'node-a' })
    const bystander = elections.candidate({ key })
    const lease = await a.campaign()

    const leader = await bystander.leader()

    const { value: session } = await suite.consul.session.info(lease.session)
    expect(session?.node).toEqual(expect.any(String))
    expect(leader).toEqual({ value: 'node-a', session: lease.session, node: session?.node, lockIndex: 1n })
    expect(await a.leader()).toEqual(leader)
    await a.resign()
  })

  it('reports an empty value as null', async () => {
    const key = elections.key('empty')
    const a = elections.candidate({ key })
    const lease = await a.campaign()

    expect(await a.leader()).toMatchObject({ value: null, session: lease.session })
    await a.resign()
  })

  it('is null after the leader resigns, though the key remains', async () => {
    const key = elections.key('resigned')
    const a = elections.candidate({ key, value: 'node-a' })
    await a.campaign()
    await a.resign()

    expect((await suite.consul.kv.get(key)).value).not.toBeNull()
    expect(await a.leader()).toBeNull()
  })

  it('names the next leader, with a LockIndex one higher', async () => {
    const { a, b, leaseA, campaignB } = await elections.contest('next')
    await a.resign()
    const leaseB = await campaignB

    expect(await a.leader()).toMatchObject({
      value: 'node-b',
      session: leaseB.session,
      lockIndex: leaseA.lockIndex + 1n,
    })
    await b.resign()
  })
})
