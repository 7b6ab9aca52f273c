import { describe, expect, it, vi } from 'vitest'
import type { LeaderInfo } from '../../../src/election.js'
import { ConsulError } from '../../../src/errors.js'
import { useClientSuite } from '../../support/client-target.js'
import { againstRealConsul, blockingQueriesHeld } from '../../support/consul-target.js'
import { nextLeader, useElections } from '../../support/election-helpers.js'
import { settlesWithin } from '../../support/lock-helpers.js'

const suite = useClientSuite('election-observe')
const elections = useElections(suite)

/** On the dev server: resolves once no blocking query is left waiting (a real agent cannot be asked). */
async function noBlockingQueryLeft() {
  const server = suite.target.server
  if (server) await vi.waitFor(() => expect(server.stats().watchers).toBe(0))
}

const done = { done: true, value: undefined }

describe('observe()', () => {
  it('yields the current state, then a new leader, a proclaimed value, null after resign and the next leader', async () => {
    const key = elections.key('changes')
    const a = elections.candidate({ key, value: 'node-a' })
    const b = elections.candidate({ key, value: 'node-b' })
    const watcher = elections.candidate({ key })
    const stop = new AbortController()
    const observer = watcher.observe({ signal: stop.signal })

    expect(await nextLeader(observer)).toBeNull()
    const leaseA = await a.campaign()
    const first = await nextLeader(observer)
    const { value: session } = await suite.consul.session.info(leaseA.session)
    expect(first).toEqual({ value: 'node-a', session: leaseA.session, node: session?.node, lockIndex: 1n })
    await a.proclaim('node-a, ready')
    expect(await nextLeader(observer)).toEqual({ ...first, value: 'node-a, ready' })
    await a.resign()
    expect(await nextLeader(observer)).toBeNull()
    const leaseB = await b.campaign()
    expect(await nextLeader(observer)).toMatchObject({
      value: 'node-b',
      session: leaseB.session,
      lockIndex: 2n,
    })

    stop.abort()
    expect(await observer.next()).toEqual(done)
    await b.resign()
  })

  it('yields the leader first when one already leads', async () => {
    const key = elections.key('current')
    const a = elections.candidate({ key, value: 'node-a' })
    const lease = await a.campaign()

    for await (const leader of a.observe()) {
      expect(leader).toMatchObject({ value: 'node-a', session: lease.session })
      break
    }
    // Breaking out of the loop left no read behind: once the lock's monitor ends, none is left.
    await a.resign()
    await noBlockingQueryLeft()
  })

  it('reports a state once: rewriting the same value yields nothing, the next real change does', async () => {
    const key = elections.key('dedupe')
    const a = elections.candidate({ key, value: 'same' })
    const lease = await a.campaign()
    const stop = new AbortController()
    const observer = a.observe({ signal: stop.signal })
    expect(await nextLeader(observer)).toMatchObject({ value: 'same' })

    const next = nextLeader(observer)
    await a.proclaim('same')
    await a.proclaim('same')
    await a.proclaim('changed')

    expect(await next).toMatchObject({ value: 'changed', session: lease.session })
    stop.abort()
    await a.resign()
  })

  it('ends without error when its signal aborts, aborting the blocking read in flight', async () => {
    const key = elections.key('abort')
    const a = elections.candidate({ key })
    const stop = new AbortController()
    const observer = a.observe({ signal: stop.signal })
    expect(await nextLeader(observer)).toBeNull()
    const pending = observer.next()
    await blockingQueriesHeld(suite.target, 1)

    stop.abort()

    expect(await settlesWithin(pending, 200)).toBe(true)
    expect(await pending).toEqual(done)
    await noBlockingQueryLeft()
    expect(await observer.next()).toEqual(done)
  })

  it('ends at once when return() is called while a next() waits, with no request left', async () => {
    const key = elections.key('return')
    const a = elections.candidate({ key })
    const observer = a.observe()
    expect(await nextLeader(observer)).toBeNull()
    const pending = observer.next()
    await blockingQueriesHeld(suite.target, 1)

    const returned = observer.return(undefined)

    expect(await settlesWithin(returned, 200)).toBe(true)
    expect(await pending).toEqual(done)
    await noBlockingQueryLeft()
  })

  it('ends without error when the election is disposed', async () => {
    const a = elections.candidate({ key: elections.key('dispose') })
    const seen: (LeaderInfo | null)[] = []
    const observing = (async () => {
      for await (const leader of a.observe()) seen.push(leader)
    })()
    await blockingQueriesHeld(suite.target, 1)

    await a[Symbol.asyncDispose]()

    await observing
    expect(seen).toEqual([null])
    await noBlockingQueryLeft()
  })

  // Failing reads on purpose needs the dev server's fault injection.
  it.skipIf(againstRealConsul)(
    'retries failed reads after monitorRetryTime and goes on observing',
    async () => {
      const server = suite.target.server
      if (server === undefined) throw new Error('dev server expected')
      const key = elections.key('retry')
      const a = elections.candidate({ key, value: 'node-a', monitorRetryTime: 50 })
      const stop = new AbortController()
      server.faults.failNext(2, { method: 'GET', pathPrefix: `/v1/kv/${key}` })
      try {
        const observer = a.observe({ signal: stop.signal })
        expect(await nextLeader(observer)).toBeNull()
        server.faults.failNext(1, {
          status: 503,
          body: 'rate limited',
          method: 'GET',
          pathPrefix: '/v1/session/info/',
        })
        await a.campaign()
        expect(await nextLeader(observer)).toMatchObject({ value: 'node-a' })
      } finally {
        server.faults.clear()
        stop.abort()
      }
      await a.resign()
    },
  )

  // Failing reads on purpose needs the dev server's fault injection.
  it.skipIf(againstRealConsul)('throws an error that retrying cannot fix, and ends', async () => {
    const server = suite.target.server
    if (server === undefined) throw new Error('dev server expected')
    const key = elections.key('fatal')
    const a = elections.candidate({ key })
    server.faults.failNext(1, {
      status: 403,
      body: 'Permission denied',
      method: 'GET',
      pathPrefix: `/v1/kv/${key}`,
    })
    try {
      const observer = a.observe()
      const error = await observer.next().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ConsulError)
      expect(error).toMatchObject({ status: 403 })
      expect(await observer.next()).toEqual(done)
    } finally {
      server.faults.clear()
    }
  })
})
