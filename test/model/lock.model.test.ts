/**
 * Model-based tests of the lock statechart. Paths are generated from the real `lockMachine`
 * with `xstate/graph` (wrapped in a virtual clock so only paths that can happen in time are
 * generated, see `support/timed-lock-model.ts`) and replayed against a live actor with fake
 * Consul actors and a `SimulatedClock`; after every step the actor must be in the state the
 * model predicts (value, tags, deciding context, Consul calls in flight, notifications).
 *
 * Generated paths cover every transition of the chart (state value × event variant × next state
 * value) reachable within a few steps, each transition once over all inputs; the loops (backoff, monitor and renew retries, re-acquire after a loss)
 * are joined paths: a shortest path to where the loop starts plus a scripted tail.
 */
import { describe, expect, it } from 'vitest'
import type { lockMachine } from '../../machines/lock.machine.js'
import { CLEANUP_RETRIES, lockDelayBackoffMs } from '../../machines/lock.timing.js'
import { type ModelEvent, scriptEvents } from './support/events.js'
import { CREATED_SESSION, eventVariants } from './support/lock-events.js'
import { LOCK, type LockModelSnapshot as TimedSnapshot } from './support/lock-model.js'
import { modelSuite, type NamedModel } from './support/model-suite.js'
import { emittedTypes } from './support/path-names.js'
import { joinedPath, type ModelOptions as Options, shortestPaths } from './support/select-paths.js'

type Machine = typeof lockMachine
type ModelOptions = Options<Machine>

/**
 * Timing: TTL 1 s (renew every 500 ms, a renew times out after 250 ms and is retried after
 * 250 ms), lease 980 ms after a 20 ms create/renew; tryAcquire budget 450 ms; monitor retry
 * 100 ms; backoff 50, 100, 200, 400 ms (capped by retryTime, so the model caps the attempt at 3).
 */
const TIMING = { lockWaitTime: 450, monitorRetries: 1, monitorRetryTime: 100, retryTime: 400 }
const CALLER_SESSION = 'caller-session'

const MANAGED: ModelOptions = {
  input: { key: 'k', sessionTTL: 1000, ...TIMING },
  variants: eventVariants(CREATED_SESSION),
  maxDepth: 8,
}

const MANAGED_MODEL = { name: 'a lock creating its own session', ...MANAGED }
const MODELS: NamedModel<Machine>[] = [
  MANAGED_MODEL,
  {
    name: "a lock on the caller's session",
    input: { key: 'k', session: CALLER_SESSION, ...TIMING },
    variants: eventVariants(CALLER_SESSION),
    maxDepth: 8,
  },
  {
    name: 'a lock creating a session without TTL',
    input: { key: 'k', sessionOptions: { name: 'no TTL' }, ...TIMING },
    variants: eventVariants(CREATED_SESSION),
    maxDepth: 6,
  },
]

const { replayed, shortestOf, describeGeneratedPaths, itReachedEveryStateNode } = modelSuite(LOCK, MODELS)

describe('lock machine, model-based', () => {
  describeGeneratedPaths()

  describe('loops and scenarios, as joined paths', () => {
    const { variants } = MANAGED
    const paths = shortestOf(MANAGED_MODEL)
    const { ev, done, failed, delayed } = scriptEvents(variants)
    const BACKOFF = delayed('lockDelayBackoff', 'lock.session.lock.pending.backoff')
    const MONITOR_RETRY = delayed('monitorRetry', 'lock.session.lock.held.monitoring.retrying.pausing')
    const RENEW_INTERVAL = delayed('renewInterval', 'lock.session.renewing.keepingAlive.scheduled')
    const RENEW_RETRY = delayed('renewRetry', 'lock.session.renewing.keepingAlive.retrying')
    const LEASE_DEADLINE = delayed('leaseDeadline', 'lock.session.renewing.keepingAlive')
    const TRY_BUDGET = delayed('tryBudget', 'lock.session.lock.pending')
    const RELEASE_RETRY = delayed('cleanupRetry', 'lock.releasing.retryingRelease')
    const DESTROY_RETRY = delayed('cleanupRetry', 'lock.releasing.retryingDestroy')

    /** The shortest generated path to a state matching `where`, joined with `tail`. */
    const joined = (where: (state: TimedSnapshot) => boolean, tail: ModelEvent[], options = MANAGED) =>
      joinedPath(LOCK, options, options === MANAGED ? paths : shortestPaths(LOCK, options), where, tail)

    const fresh = (state: TimedSnapshot) =>
      !state.machine.context.tryOnce && state.machine.context.queuedAcquire === null
    const waiting = (state: TimedSnapshot) =>
      fresh(state) && state.machine.matches({ session: { lock: { pending: 'waiting' } } })
    const held = (state: TimedSnapshot) =>
      fresh(state) &&
      state.machine.matches({ session: { lock: { held: { monitoring: 'watching', lease: 'sound' } } } })
    const inFlight = (state: TimedSnapshot) =>
      fresh(state) && state.machine.matches({ session: { lock: { pending: { acquiring: 'inFlight' } } } })

    it('waiting ⇄ acquiring → backoff → waiting: three lock-delay rounds, each backoff twice as long, then held', async () => {
      const path = joined(waiting, [
        done('readKey', 'free'),
        done('acquireKey', 'held by other'),
        done('readKey', 'held by other'),
        done('readKey', 'free'),
        done('acquireKey', 'lock-delay'),
        BACKOFF,
        done('readKey', 'free'),
        done('acquireKey', 'lock-delay'),
        BACKOFF,
        done('readKey', 'free'),
        done('acquireKey', 'lock-delay'),
        BACKOFF,
        done('readKey', 'free'),
        done('acquireKey', 'acquired'),
      ])
      const { fired, fakes } = await replayed(path, MANAGED.input)
      const backoffs = fired.filter((timer) => timer.type === BACKOFF.type).map((timer) => timer.waitedMs)
      expect(backoffs).toEqual([0, 1, 2].map((attempt) => lockDelayBackoffMs(attempt, 400)))
      expect(backoffs).toEqual([50, 100, 200])
      // After a lock-delay the key is read at once (index 0); after a holder's answer, blocking on
      // its index; once held, the monitor blocks on the ModifyIndex of our own acquiring write (9).
      const indexes = fakes.readKey.inputs().map((input) => input.index)
      expect(indexes).toEqual([0n, 9n, 10n, 0n, 0n, 0n, 9n])
      expect(path.state.machine.hasTag('held')).toBe(true)
    })

    it('monitor retries: watching → retrying → watching → retrying → lost (monitor-failed) → idle', async () => {
      const reset = failed('readKey', 'connection reset')
      const path = joined(held, [
        reset,
        MONITOR_RETRY,
        done('readKey', 'held by us'),
        reset,
        MONITOR_RETRY,
        reset,
        done('releaseKey'),
        done('destroySession'),
      ])
      const { fired } = await replayed(path, MANAGED.input)
      expect(fired.map((timer) => timer.waitedMs)).toEqual([100, 100])
      expect(emittedTypes(path).slice(-3)).toEqual(['lock.suspect', 'lock.suspect', 'lock.lost'])
      expect(path.state.machine.value).toBe('idle')
    })

    it('renew retries while held: renewingSession → retrying (suspect) → renewingSession → keepingAlive (sound)', async () => {
      const path = joined(held, [
        RENEW_INTERVAL,
        failed('renewSession', 'connection reset'),
        RENEW_RETRY,
        done('renewSession', 'renewed'),
        RENEW_INTERVAL,
        done('renewSession', 'renewed'),
        done('readKey', 'held by us'),
      ])
      const { fired } = await replayed(path, MANAGED.input)
      expect(fired.map((timer) => timer.waitedMs)).toEqual([500, 250, 500])
      const tags = path.steps.map((step) => step.state.machine.hasTag('suspect'))
      expect(tags.slice(-7)).toEqual([false, true, true, false, false, false, false])
      expect(path.state.machine.hasTag('held')).toBe(true)
    })

    it('lost (taken) → idle → ACQUIRE again → held, with a new session', async () => {
      const path = joined(held, [
        done('readKey', 'held by other'),
        done('releaseKey'),
        done('destroySession'),
        ev('ACQUIRE'),
        done('createSession'),
        done('readKey', 'free'),
        done('acquireKey', 'acquired'),
      ])
      const { fakes } = await replayed(path, MANAGED.input)
      expect(fakes.createSession.calls).toHaveLength(2)
      expect(emittedTypes(path).slice(-2)).toEqual(['lock.lost', 'lock.acquired'])
      expect(path.state.machine.hasTag('held')).toBe(true)
    })

    it('a bare ACQUIRE with lockTryOnce gives up lockWaitTime after it was sent: lock.timeout, session destroyed, idle', async () => {
      const tryOnce: ModelOptions = {
        input: { ...MANAGED.input, lockTryOnce: true },
        variants: { ...variants, ACQUIRE: [ev('ACQUIRE')] },
        maxDepth: 3,
      }
      const path = joined(
        (state) => state.machine.matches({ session: { lock: { pending: 'waiting' } } }),
        [
          done('readKey', 'held by other'),
          delayed('tryBudget', 'lock.session.lock.pending'),
          done('destroySession'),
        ],
        tryOnce,
      )
      const { fired } = await replayed(path, tryOnce.input)
      expect(path.steps[1]?.event).toEqual({ type: 'ACQUIRE' })
      // The budget (lockWaitTime 450 ms) counts from the ACQUIRE: the create took 20 ms of it.
      expect(fired).toEqual([{ type: 'xstate.after.tryBudget.lock.session.lock.pending', waitedMs: 430 }])
      expect(emittedTypes(path)).toEqual(['lock.timeout'])
      expect(path.state.machine.value).toBe('idle')
    })

    it('a lock acquired while its session renewal is failing is suspect from the start', async () => {
      const path = joined(waiting, [
        delayed('tryBudget', 'lock.session.lock.pending'),
        RENEW_INTERVAL,
        failed('renewSession', 'connection reset'),
        done('readKey', 'free'),
        done('acquireKey', 'acquired'),
      ])
      await replayed(path, MANAGED.input)
      expect(path.state.machine.matches({ session: { renewing: { keepingAlive: 'retrying' } } })).toBe(true)
      // The lease runs out 980 ms after the create unless the retried renew succeeds.
      expect(path.state.machine.hasTag('suspect')).toBe(true)
      expect(path.state.emitted.map((event) => event.type)).toEqual(['lock.acquired', 'lock.suspect'])
    })

    it('cleanup retries: release and destroy each fail four times, are retried three times with doubling pauses, reported, then idle', async () => {
      const reset = (actor: string) => failed(actor, 'connection reset')
      const retried = (actor: string, retry: ModelEvent) => [
        ...Array.from({ length: CLEANUP_RETRIES }, () => [reset(actor), retry]).flat(),
        reset(actor),
      ]
      const path = joined(held, [
        ev('RELEASE'),
        ...retried('releaseKey', RELEASE_RETRY),
        ...retried('destroySession', DESTROY_RETRY),
      ])
      const { fired, fakes } = await replayed(path, MANAGED.input)
      expect(fakes.releaseKey.calls).toHaveLength(CLEANUP_RETRIES + 1)
      expect(fakes.destroySession.calls).toHaveLength(CLEANUP_RETRIES + 1)
      // The exact pauses are checked in test/unit/machines/lock.cleanup.test.ts.
      for (const retry of [RELEASE_RETRY, DESTROY_RETRY]) {
        const pauses = fired.filter((timer) => timer.type === retry.type).map((timer) => timer.waitedMs)
        expect(pauses).toHaveLength(CLEANUP_RETRIES)
        expect(pauses.slice(1)).toEqual(pauses.slice(0, -1).map((pause) => pause * 2))
      }
      expect(emittedTypes(path).slice(-3)).toEqual(['lock.error', 'lock.error', 'lock.released'])
      expect(path.state.machine.value).toBe('idle')
    })

    it('the lease runs out during an acquire: lock.error, the write awaited, acquired anyway → key released, session destroyed', async () => {
      const path = joined(inFlight, [
        TRY_BUDGET,
        RENEW_INTERVAL,
        failed('renewSession', 'connection reset'),
        RENEW_RETRY,
        LEASE_DEADLINE,
        done('acquireKey', 'acquired'),
        done('releaseKey'),
        done('destroySession'),
      ])
      const { fakes } = await replayed(path, MANAGED.input)
      const tail = path.steps.slice(-4)
      expect(
        tail[0]?.state.machine.matches({ session: { lock: { pending: { acquiring: 'cancelled' } } } }),
      ).toBe(true)
      expect(tail[0]?.state.emitted.map((event) => event.type)).toEqual(['lock.error'])
      expect(emittedTypes(path)).not.toContain('lock.acquired')
      expect(fakes.acquireKey.calls).toHaveLength(1)
      expect(fakes.acquireKey.last().signal.aborted).toBe(false)
      expect(fakes.releaseKey.inputs()).toEqual([{ key: 'k', session: CREATED_SESSION, value: null }])
      expect(fakes.destroySession.inputs()).toEqual([{ session: CREATED_SESSION }])
      expect(path.state.machine.value).toBe('idle')
    })

    it('an acquire refused for its session starts over with a new session, and acquires with it', async () => {
      const path = joined(inFlight, [
        failed('acquireKey', 'invalid session'),
        done('createSession'),
        done('readKey', 'free'),
        done('acquireKey', 'acquired'),
      ])
      const { fakes } = await replayed(path, MANAGED.input)
      expect(fakes.createSession.calls).toHaveLength(2)
      expect(fakes.acquireKey.calls).toHaveLength(2)
      expect(fakes.releaseKey.calls).toHaveLength(0)
      expect(fakes.destroySession.calls).toHaveLength(0)
      expect(emittedTypes(path)).toEqual(['lock.acquired'])
      expect(path.state.machine.hasTag('held')).toBe(true)
    })

    describe('a CANCEL drops an ACQUIRE queued behind a cleanup: the lock ends idle', () => {
      const cleanups: Array<[string, (state: TimedSnapshot) => boolean, ModelEvent[], ModelEvent[]]> = [
        [
          'abandoning (after a lost lock)',
          held,
          [done('readKey', 'held by other')],
          [done('releaseKey'), done('destroySession')],
        ],
        [
          'a cancelled acquire in flight',
          inFlight,
          [{ type: 'CANCEL' }],
          [done('acquireKey', 'acquired'), done('releaseKey'), done('destroySession')],
        ],
        [
          'a cancelled session create',
          (state) => fresh(state) && state.machine.matches({ creatingSession: 'requested' }),
          [{ type: 'CANCEL' }],
          [done('createSession'), done('destroySession')],
        ],
      ]
      for (const [cleanup, start, enter, finish] of cleanups) {
        it(cleanup, async () => {
          const path = joined(start, [...enter, ev('ACQUIRE'), { type: 'CANCEL' }, ...finish])
          await replayed(path, MANAGED.input)
          expect(path.state.machine.value).toBe('idle')
        })
      }
    })
  })

  itReachedEveryStateNode()
})
