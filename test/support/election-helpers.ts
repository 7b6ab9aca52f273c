/**
 * Helpers for the election tests: a factory of candidates that are always disposed (and leave no
 * session behind), and a log of leadership terms that can be awaited and checked for overlap.
 */
import { afterEach, expect } from 'vitest'
import type { Election, ElectionOptions } from '../../src/election.js'
import type { Lease, LockActorOptions } from '../../src/lock.js'
import type { ClientSuite } from './client-target.js'
import { blockingQueriesHeld } from './consul-target.js'
import { sessionsNamed } from './lock-helpers.js'

export interface ElectionFactory {
  /** The name of every session the factory's candidates create; checked for leaks after each test. */
  readonly sessionName: string
  /** A fresh election key under the suite's prefix. */
  key(label: string): string
  /**
   * A candidate with test defaults (the target's minimum TTL but at least 1 s, no lock-delay, the
   * factory's session name), disposed after the test. Options given override the defaults.
   */
  candidate(options: Partial<ElectionOptions> & { key: string }, actorOptions?: LockActorOptions): Election
  /**
   * A fresh key led by candidate `a` (value `node-a`), with candidate `b` (value `node-b`)
   * campaigning and known to be waiting for it (its campaign's rejection is handled).
   */
  contest(label: string, options?: { signal?: AbortSignal }): Promise<Contest>
}

export interface Contest {
  key: string
  a: Election
  b: Election
  leaseA: Lease
  campaignB: Promise<Lease>
  /** The session `b` waits with. */
  sessionB: string
}

/**
 * Candidates for the calling test file. After each test every candidate made is disposed and no
 * session named `sessionName` may be left on the target.
 */
export function useElections(suite: ClientSuite): ElectionFactory {
  const made: Election[] = []
  const sessionName = `${suite.prefix} election`
  let keys = 0
  afterEach(async () => {
    await Promise.all(made.splice(0).map((election) => election[Symbol.asyncDispose]()))
    expect(await sessionsNamed(suite.consul, sessionName)).toEqual([])
  })
  const factory: ElectionFactory = {
    sessionName,
    key: (label) => `${suite.prefix}/${label}-${++keys}`,
    candidate(options, actorOptions) {
      const election = suite.consul.election(
        { sessionName, sessionTTL: Math.max(suite.target.minTTLms, 1000), lockDelay: 0, ...options },
        actorOptions,
      )
      made.push(election)
      return election
    },
    async contest(label, options = {}) {
      const key = factory.key(label)
      const a = factory.candidate({ key, value: 'node-a' })
      const b = factory.candidate({ key, value: 'node-b' })
      const leaseA = await a.campaign()
      const campaignB = b.campaign(options)
      campaignB.catch(() => {})
      // A's monitor and B's wait for the key.
      await blockingQueriesHeld(suite.target, 2)
      const sessionB = b.actor.getSnapshot().context.session
      if (sessionB === null) throw new Error('the waiting candidate has no session')
      return { key, a, b, leaseA, campaignB, sessionB }
    },
  }
  return factory
}

/** One leadership term of a candidate, as its work saw it. */
export interface Term {
  readonly name: string
  readonly start: number
  /** When the term's signal aborted (`undefined` while it lasts). */
  end: number | undefined
  readonly signal: AbortSignal
}

/**
 * Records the terms of candidates running `run()`: `work(name)` is the work to run, which lasts
 * until its signal aborts. Waits for the n-th term, and finds terms that overlapped.
 */
export function termLog() {
  const terms: Term[] = []
  const waiters: { count: number; resolve: () => void }[] = []
  const wake = () => {
    for (const waiter of waiters.filter((w) => terms.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  return {
    terms,
    /** The work of candidate `name`: records a term from its start until its signal aborts. */
    work:
      (name: string) =>
      (signal: AbortSignal): Promise<void> => {
        const term: Term = { name, start: performance.now(), end: undefined, signal }
        terms.push(term)
        wake()
        return new Promise((resolve) => {
          signal.addEventListener(
            'abort',
            () => {
              term.end = performance.now()
              resolve()
            },
            { once: true },
          )
        })
      },
    /** Resolves with the `count`-th term once it has started. */
    async term(count: number): Promise<Term> {
      if (terms.length < count) await new Promise<void>((resolve) => waiters.push({ count, resolve }))
      const term = terms[count - 1]
      if (term === undefined) throw new Error(`term ${count} missing`)
      return term
    },
    /** Pairs of terms that were in progress at the same time. */
    overlaps(): [Term, Term][] {
      const found: [Term, Term][] = []
      for (const [i, a] of terms.entries()) {
        for (const b of terms.slice(i + 1)) {
          if (
            b.start < (a.end ?? Number.POSITIVE_INFINITY) &&
            a.start < (b.end ?? Number.POSITIVE_INFINITY)
          ) {
            found.push([a, b])
          }
        }
      }
      return found
    },
  }
}

/** Resolves with the next value an observer yields (failing if it ends instead). */
export async function nextLeader<T>(observer: AsyncIterator<T>): Promise<T> {
  const next = await observer.next()
  if (next.done) throw new Error('the observer ended')
  return next.value
}
