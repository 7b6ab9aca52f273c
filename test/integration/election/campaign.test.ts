import { describe, expect, it } from 'vitest'
import { waitFor } from 'xstate'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import type { Election } from '../../../src/election.js'
import { LockHeldError, LockLostError } from '../../../src/errors.js'
import { useClientSuite } from '../../support/client-target.js'
import { settledFlag } from '../../support/consul-target.js'
import { useElections } from '../../support/election-helpers.js'
import { expectNoLeakedSessions, holderOf, sessionsNamed, whenAborted } from '../../support/lock-helpers.js'

const suite = useClientSuite('election-campaign')
const elections = useElections(suite)

const idle = (election: Election) => waitFor(election.actor, (snapshot) => snapshot.hasTag('idle'))

describe('campaign()', () => {
  it('resolves the lease once leading: the key is locked by its session, with its value and the lock flags', async () => {
    const key = elections.key('lead')
    const a = elections.candidate({ key, value: 'node-a' })

    const lease = await a.campaign()

    expect(lease).toMatchObject({ key, lockIndex: 1n, fencingToken: lease.modifyIndex })
    expect(lease.lost.aborted).toBe(false)
    const { value: pair } = await suite.consul.kv.get(key)
    expect(pair).toMatchObject({ session: lease.session, flags: LOCK_FLAG_VALUE, lockIndex: 1n })
    expect(pair?.value?.toString()).toBe('node-a')
    await a.resign()
  })

  it('makes a second candidate wait while the first leads, and lets it lead once the first resigns', async () => {
    const { key, a, b, leaseA, campaignB } = await elections.contest('queue')
    const bLeads = settledFlag(campaignB)
    expect(bLeads()).toBe(false)
    expect(await holderOf(suite.consul, key)).toBe(leaseA.session)

    await a.resign()
    const leaseB = await campaignB

    expect(leaseB.lockIndex).toBe(leaseA.lockIndex + 1n)
    expect(leaseB.fencingToken).toBeGreaterThan(leaseA.fencingToken)
    expect(await holderOf(suite.consul, key)).toBe(leaseB.session)
    await b.resign()
  })

  it('rejects at once with the abort reason when a waiting campaign is aborted, and leaves no session', async () => {
    const controller = new AbortController()
    const { key, a, b, leaseA, campaignB, sessionB } = await elections.contest('abort', {
      signal: controller.signal,
    })
    const reason = new Error('candidate shutting down')

    const abortedAt = performance.now()
    controller.abort(reason)
    await expect(campaignB).rejects.toBe(reason)
    expect(performance.now() - abortedAt).toBeLessThan(200)

    await idle(b)
    await expectNoLeakedSessions(suite.consul, [sessionB])
    expect(await sessionsNamed(suite.consul, elections.sessionName)).toEqual([leaseA.session])
    // Once the leader resigns, the withdrawn candidate does not take the key.
    await a.resign()
    expect(await holderOf(suite.consul, key)).toBeUndefined()
  })

  it('rejects with LockHeldError while the candidate already leads', async () => {
    const a = elections.candidate({ key: elections.key('twice') })
    const lease = await a.campaign()

    await expect(a.campaign()).rejects.toBeInstanceOf(LockHeldError)
    expect(lease.lost.aborted).toBe(false)
    await a.resign()
  })
})

describe('resign()', () => {
  it('gives leadership up: the lease ends with reason released, the session is destroyed, the key is free', async () => {
    const key = elections.key('resign')
    const a = elections.candidate({ key })
    const lease = await a.campaign()
    const lost = whenAborted(lease.lost)

    await a.resign()

    const { reason } = await lost
    expect(reason).toBeInstanceOf(LockLostError)
    expect(reason).toMatchObject({ reason: 'released', key })
    await expectNoLeakedSessions(suite.consul, [lease.session])
    expect(await holderOf(suite.consul, key)).toBeUndefined()
    expect(a.actor.getSnapshot().hasTag('idle')).toBe(true)
  })

  it('hands leadership to a waiting candidate at once: no lock-delay after a resign', async () => {
    const { a, b, campaignB } = await elections.contest('handover')

    const resignedAt = performance.now()
    await a.resign()
    await campaignB

    expect(performance.now() - resignedAt).toBeLessThan(1_000)
    await b.resign()
  })

  it('does nothing when the candidate does not lead: the leader is left alone', async () => {
    const key = elections.key('not-leading')
    const leader = elections.candidate({ key })
    const bystander = elections.candidate({ key })
    const lease = await leader.campaign()

    await bystander.resign()
    await bystander.resign()

    expect(bystander.actor.getSnapshot().hasTag('idle')).toBe(true)
    expect(lease.lost.aborted).toBe(false)
    expect(await holderOf(suite.consul, key)).toBe(lease.session)
    await leader.resign()
  })

  it('withdraws a pending campaign: it rejects with an AbortError, no session is left, and campaigning again works', async () => {
    const { key, a, b, leaseA, campaignB, sessionB } = await elections.contest('withdraw')

    await b.resign()

    await expect(campaignB).rejects.toMatchObject({ name: 'AbortError' })
    expect(b.actor.getSnapshot().hasTag('idle')).toBe(true)
    await expectNoLeakedSessions(suite.consul, [sessionB])
    expect(await holderOf(suite.consul, key)).toBe(leaseA.session)

    const again = b.campaign()
    await a.resign()
    const leaseB = await again
    expect(leaseB.session).not.toBe(sessionB)
    expect(await holderOf(suite.consul, key)).toBe(leaseB.session)
    await b.resign()
  })
})
