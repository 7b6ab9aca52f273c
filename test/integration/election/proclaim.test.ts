import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import { LockLostError, NotLeaderError } from '../../../src/errors.js'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import { useElections } from '../../support/election-helpers.js'
import { destroySessionBehindItsBack, storedValue } from '../../support/kv-probes.js'
import { whenAborted } from '../../support/lock-helpers.js'

const suite = useClientSuite('election-proclaim')
const elections = useElections(suite)

describe('proclaim()', () => {
  it('changes the leader value in place: same session, same LockIndex, lock flags kept, still leading', async () => {
    const key = elections.key('change')
    const a = elections.candidate({ key, value: 'node-a' })
    const lease = await a.campaign()
    const { value: before } = await suite.consul.kv.get(key)

    await a.proclaim('node-a, ready')

    const { value: after } = await suite.consul.kv.get(key)
    expect(after?.value?.toString()).toBe('node-a, ready')
    expect(after).toMatchObject({
      session: lease.session,
      lockIndex: lease.lockIndex,
      flags: LOCK_FLAG_VALUE,
    })
    expect(after?.modifyIndex).toBeGreaterThan(before?.modifyIndex ?? 0n)
    // The lock's monitor read the rewritten key, and it is still ours.
    await blockingQueriesHeld(suite.target, 1)
    expect(lease.lost.aborted).toBe(false)
    expect(a.actor.getSnapshot().hasTag('held')).toBe(true)
    expect(await a.leader()).toMatchObject({ value: 'node-a, ready', session: lease.session })
    await a.resign()
  })

  it('accepts bytes and null (an empty value)', async () => {
    const key = elections.key('bytes')
    const a = elections.candidate({ key, value: 'node-a' })
    await a.campaign()

    await a.proclaim(new TextEncoder().encode('bytes'))
    expect(await storedValue(suite.consul, key)).toBe('bytes')
    await a.proclaim(null)
    expect((await a.leader())?.value).toBeNull()
    await a.resign()
  })

  it('rejects with ENOTLEADER, without a cause, when the candidate never led', async () => {
    const key = elections.key('never')
    const a = elections.candidate({ key })

    const error = await a.proclaim('x').catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(NotLeaderError)
    expect(error).toMatchObject({ code: 'ENOTLEADER', key })
    expect((error as Error).cause).toBeUndefined()
    expect(await storedValue(suite.consul, key)).toBeNull()
  })

  it('rejects with ENOTLEADER caused by the LockLostError once leadership was lost, and writes nothing', async () => {
    const key = elections.key('lost')
    const a = elections.candidate({ key, value: 'node-a' })
    const lease = await a.campaign()
    await destroySessionBehindItsBack(suite.target, lease.session)
    await whenAborted(lease.lost)

    const error = await a.proclaim('stale').catch((caught: unknown) => caught)

    expect(error).toMatchObject({ code: 'ENOTLEADER', key })
    expect((error as Error).cause).toBeInstanceOf(LockLostError)
    expect((error as Error).cause).toMatchObject({ reason: 'session-invalidated' })
    expect(await storedValue(suite.consul, key)).toBe('node-a')
  })

  it('rejects with ENOTLEADER right after the session is destroyed, whether or not the loss was noticed yet', async () => {
    const key = elections.key('just-lost')
    const a = elections.candidate({ key, value: 'node-a' })
    const lease = await a.campaign()
    await destroySessionBehindItsBack(suite.target, lease.session)

    const error = await a.proclaim('stale').catch((caught: unknown) => caught)

    expect(error).toMatchObject({ code: 'ENOTLEADER', cause: { code: 'ELOCKLOST' } })
    expect(await storedValue(suite.consul, key)).toBe('node-a')
    expect((await suite.consul.kv.get(key)).value?.session).toBeUndefined()
  })

  it('rejects with ENOTLEADER caused by reason released after resign()', async () => {
    const key = elections.key('resigned')
    const a = elections.candidate({ key, value: 'node-a' })
    await a.campaign()
    await a.resign()

    await expect(a.proclaim('late')).rejects.toMatchObject({
      code: 'ENOTLEADER',
      cause: { code: 'ELOCKLOST', reason: 'released' },
    })
    expect(await storedValue(suite.consul, key)).toBe('node-a')
  })

  it('rejects with ENOTLEADER when another candidate leads now, leaving its value alone', async () => {
    const { key, a, b, leaseA, campaignB } = await elections.contest('usurped')
    await destroySessionBehindItsBack(suite.target, leaseA.session)
    await campaignB

    await expect(a.proclaim('stale')).rejects.toMatchObject({
      code: 'ENOTLEADER',
      cause: { code: 'ELOCKLOST' },
    })
    expect(await storedValue(suite.consul, key)).toBe('node-b')
    await b.resign()
  })
})
