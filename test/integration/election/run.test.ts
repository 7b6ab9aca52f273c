import { describe, expect, it } from 'vitest'
import type { Election } from '../../../src/election.js'
import { LockLostError } from '../../../src/errors.js'
import { useClientSuite } from '../../support/client-target.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import { termLog, useElections } from '../../support/election-helpers.js'
import { destroySessionBehindItsBack } from '../../support/kv-probes.js'
import { expectNoLeakedSessions, holderOf, whenAborted } from '../../support/lock-helpers.js'

const suite = useClientSuite('election-run')
const elections = useElections(suite)

/** The session the candidate's lock uses now. */
function sessionOf(election: Election): string {
  const session = election.actor.getSnapshot().context.session
  if (session === null) throw new Error('the candidate has no session')
  return session
}

describe('run() without autoRequeue', () => {
  it("resolves with the work's result, after running it as the leader, and resigns", async () => {
    const key = elections.key('result')
    const a = elections.candidate({ key, value: 'node-a' })
    let sessionWhileWorking: string | undefined

    const result = await a.run(async (signal) => {
      expect(signal.aborted).toBe(false)
      sessionWhileWorking = (await a.leader())?.session
      expect(sessionWhileWorking).toBe(sessionOf(a))
      return 42
    })

    expect(result).toBe(42)
    expect(await a.leader()).toBeNull()
    await expectNoLeakedSessions(suite.consul, [sessionWhileWorking ?? ''])
  })

  it("rejects with the LockLostError when leadership is lost during the work, aborting the work's signal", async () => {
    const a = elections.candidate({ key: elections.key('lost') })
    let aborted: unknown

    const run = a.run(async (signal) => {
      await destroySessionBehindItsBack(suite.target, sessionOf(a))
      aborted = (await whenAborted(signal)).reason
      return 'finished anyway'
    })

    const error = await run.catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(LockLostError)
    expect(error).toMatchObject({ reason: 'session-invalidated' })
    expect(aborted).toBe(error)
  })

  it("rejects with the work's error, after resigning", async () => {
    const key = elections.key('fails')
    const a = elections.candidate({ key })
    const failure = new Error('work failed')

    await expect(
      a.run(() => {
        throw failure
      }),
    ).rejects.toBe(failure)

    expect(await holderOf(suite.consul, key)).toBeUndefined()
    expect(a.actor.getSnapshot().hasTag('idle')).toBe(true)
  })

  it('rejects with the abort reason when stopped while campaigning, without running the work', async () => {
    const key = elections.key('stopped')
    const leader = elections.candidate({ key })
    const a = elections.candidate({ key })
    const lease = await leader.campaign()
    const stop = new AbortController()
    let ran = false
    const run = a.run(
      () => {
        ran = true
      },
      { signal: stop.signal },
    )
    await blockingQueriesHeld(suite.target, 2)

    stop.abort(new Error('shutdown'))

    await expect(run).rejects.toThrow('shutdown')
    expect(ran).toBe(false)
    expect(await holderOf(suite.consul, key)).toBe(lease.session)
    await leader.resign()
  })
})

describe('run() with autoRequeue', () => {
  it("leads again after a forced loss: the work's signal aborts with the LockLostError, a new term starts", async () => {
    const key = elections.key('requeue-loss')
    const a = elections.candidate({ key, value: 'node-a' })
    const log = termLog()
    const stop = new AbortController()
    const run = a.run(log.work('a'), { autoRequeue: true, signal: stop.signal })

    await log.term(1)
    const firstSession = sessionOf(a)
    await destroySessionBehindItsBack(suite.target, firstSession)
    const { reason } = await whenAborted((await log.term(1)).signal)
    expect(reason).toBeInstanceOf(LockLostError)
    expect(reason).toMatchObject({ reason: 'session-invalidated' })

    await log.term(2)
    const secondSession = sessionOf(a)
    expect(secondSession).not.toBe(firstSession)
    expect(await holderOf(suite.consul, key)).toBe(secondSession)
    expect(await a.leader()).toMatchObject({ value: 'node-a', session: secondSession, lockIndex: 2n })

    stop.abort()
    await expect(run).resolves.toBeUndefined()
    expect(await holderOf(suite.consul, key)).toBeUndefined()
    await expectNoLeakedSessions(suite.consul, [firstSession, secondSession])
  })

  it('pauses monitorRetryTime after a term lost to others before standing again, instead of spinning', async () => {
    const key = elections.key('requeue-pause')
    const a = elections.candidate({ key, monitorRetryTime: '300ms' })
    const stop = new AbortController()
    const termStarts: number[] = []
    const sessions: string[] = []

    await a.run(
      async (signal) => {
        termStarts.push(performance.now())
        sessions.push(sessionOf(a))
        if (termStarts.length === 3) return stop.abort()
        // Taken away as soon as it is won.
        await destroySessionBehindItsBack(suite.target, sessionOf(a))
        await whenAborted(signal)
      },
      { autoRequeue: true, signal: stop.signal },
    )

    const gaps = termStarts.slice(1).map((start, i) => start - (termStarts[i] as number))
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(290)
    await expectNoLeakedSessions(suite.consul, sessions)
  })

  it('campaigns again after the work returns', async () => {
    const key = elections.key('requeue-return')
    const a = elections.candidate({ key })
    const stop = new AbortController()
    const sessions: string[] = []

    await a.run(
      () => {
        sessions.push(sessionOf(a))
        if (sessions.length === 3) stop.abort()
      },
      { autoRequeue: true, signal: stop.signal },
    )

    expect(new Set(sessions).size).toBe(3)
    await expectNoLeakedSessions(suite.consul, sessions)
  })

  it('resolves once its signal aborts, after the term in progress ended and resigned', async () => {
    const key = elections.key('requeue-stop')
    const a = elections.candidate({ key })
    const log = termLog()
    const stop = new AbortController()
    const run = a.run(log.work('a'), { autoRequeue: true, signal: stop.signal })
    const term = await log.term(1)

    stop.abort()

    await expect(run).resolves.toBeUndefined()
    expect(term.signal.reason).toBe(stop.signal.reason)
    expect(await holderOf(suite.consul, key)).toBeUndefined()
    expect(log.terms).toHaveLength(1)
  })

  it('rejects, after resigning, when the work fails while still leading', async () => {
    const key = elections.key('requeue-fails')
    const a = elections.candidate({ key })
    const failure = new Error('work failed')

    await expect(
      a.run(
        async () => {
          throw failure
        },
        { autoRequeue: true },
      ),
    ).rejects.toBe(failure)

    expect(await holderOf(suite.consul, key)).toBeUndefined()
  })

  it('rejects with ELOCKDISPOSED when the election is disposed, after ending the term and its session', async () => {
    const key = elections.key('requeue-disposed')
    const a = elections.candidate({ key })
    const log = termLog()
    const run = a.run(log.work('a'), { autoRequeue: true })
    const term = await log.term(1)
    const session = sessionOf(a)

    await a[Symbol.asyncDispose]()

    await expect(run).rejects.toMatchObject({ code: 'ELOCKDISPOSED' })
    expect(term.signal.reason).toMatchObject({ reason: 'released' })
    expect(log.terms).toHaveLength(1)
    await expectNoLeakedSessions(suite.consul, [session])
  })

  it('campaigns again when resign() withdraws its pending campaign', async () => {
    const key = elections.key('requeue-withdrawn')
    const leader = elections.candidate({ key })
    const a = elections.candidate({ key })
    const lease = await leader.campaign()
    const log = termLog()
    const stop = new AbortController()
    const run = a.run(log.work('a'), { autoRequeue: true, signal: stop.signal })
    await blockingQueriesHeld(suite.target, 2)
    const withdrawnSession = sessionOf(a)

    await a.resign()
    await leader.resign()

    await log.term(1)
    expect(sessionOf(a)).not.toBe(withdrawnSession)
    expect(lease.lost.aborted).toBe(true)
    stop.abort()
    await run
  })

  it('never lets two candidates lead at once, and hands leadership over whenever the leader resigns', async () => {
    const key = elections.key('alternate')
    const candidates = { a: elections.candidate({ key }), b: elections.candidate({ key }) }
    const log = termLog()
    const stop = new AbortController()
    const runs = Object.entries(candidates).map(([name, election]) =>
      election.run(log.work(name), { autoRequeue: true, signal: stop.signal }),
    )
    const leaderOf = (name: string) => candidates[name as keyof typeof candidates]

    for (let term = 1; term <= 4; term++) {
      const current = await log.term(term)
      // The leader's monitor and the other candidate's wait for the key.
      await blockingQueriesHeld(suite.target, 2)
      await leaderOf(current.name).resign()
      expect(current.signal.reason).toMatchObject({ reason: 'released' })
    }
    await log.term(5)
    stop.abort()
    await Promise.all(runs)

    const names = log.terms.map((term) => term.name)
    expect(names).toHaveLength(5)
    for (const [i, name] of names.entries()) if (i > 0) expect(name).not.toBe(names[i - 1])
    expect(log.overlaps()).toEqual([])
  })
})
