/**
 * Model-based tests of the semaphore statechart, as for the lock (`lock.model.test.ts`). Paths
 * are generated from the real `semaphoreMachine` with `xstate/graph` (wrapped in a virtual clock
 * so only paths that can happen in time are generated, see `support/timed-model.ts`) and
 * replayed against a live actor with fake Consul actors and a `SimulatedClock`; after every step
 * the actor must be in the state the model predicts (value, tags, deciding context, Consul calls
 * in flight, notifications), and the invariants hold (`support/semaphore-model.ts`): one phase
 * tag; `held` ⇔ one `semaphore.acquired` since the last loss or release; a slot announced only
 * after the record's check-and-set or a reclaim; one Consul write at a time, none abandoned in
 * flight; every session created destroyed and every contender key deleted before idle; no token
 * in the context.
 *
 * Generated paths cover every transition of the chart (state value × event variant × next state
 * value) reachable within a few steps, each transition once over all inputs; the loops (CAS lost
 * and retried, waiting while full, monitor and renew retries, re-acquire after a loss, cleanup
 * retries) are joined paths: a shortest path to where the loop starts plus a scripted tail.
 */
import { describe, expect, it } from 'vitest'
import { CLEANUP_RETRIES } from '../../machines/lock.timing.js'
import type { semaphoreMachine } from '../../machines/semaphore.machine.js'
import { LIMIT, PREFIX, type SemaphoreFakes } from '../support/semaphore-harness.js'
import { type ModelEvent, scriptEvents } from './support/events.js'
import { modelSuite, type NamedModel } from './support/model-suite.js'
import { emittedTypes } from './support/path-names.js'
import { joinedPath, type ModelOptions as Options, shortestPaths } from './support/select-paths.js'
import { CREATED_SESSION, eventVariants, OTHER_SESSION, RECORD_INDEX } from './support/semaphore-events.js'
import {
  SEMAPHORE,
  type SemaphoreModelPath,
  type SemaphoreModelSnapshot as TimedSnapshot,
} from './support/semaphore-model.js'

type Machine = typeof semaphoreMachine
type ModelOptions = Options<Machine>

/**
 * Timing: TTL 1 s (renew every 500 ms, a renew times out after 250 ms and is retried after
 * 250 ms), lease 980 ms after a 20 ms create/renew; tryAcquire budget and each blocking listing
 * 450 ms; monitor retry 100 ms.
 */
const TIMING = { semaphoreWaitTime: 450, monitorRetries: 1, monitorRetryTime: 100 }
const CALLER_SESSION = 'caller-session'

const MANAGED: ModelOptions = {
  input: { prefix: PREFIX, limit: LIMIT, sessionTTL: 1000, ...TIMING },
  variants: eventVariants(CREATED_SESSION),
  maxDepth: 9,
}

const MANAGED_MODEL = { name: 'a semaphore creating its own session', ...MANAGED }
const MODELS: NamedModel<Machine>[] = [
  MANAGED_MODEL,
  {
    name: "a semaphore on the caller's session",
    input: { prefix: PREFIX, limit: LIMIT, session: CALLER_SESSION, ...TIMING },
    variants: eventVariants(CALLER_SESSION),
    maxDepth: 8,
  },
]

const { replayed, shortestOf, describeGeneratedPaths, itReachedEveryStateNode } = modelSuite(
  SEMAPHORE,
  MODELS,
)

const { variants } = MANAGED
const { ev, done, failed, delayed } = scriptEvents(variants)

/** The shortest generated path to a state matching `where`, joined with `tail`. */
const joined = (where: (state: TimedSnapshot) => boolean, tail: ModelEvent[], options = MANAGED) =>
  joinedPath(
    SEMAPHORE,
    options,
    options === MANAGED ? shortestOf(MANAGED_MODEL) : shortestPaths(SEMAPHORE, options),
    where,
    tail,
  )

/** Not trying once, no ACQUIRE queued: the state an ordinary `acquire()` passes through. */
const fresh = (state: TimedSnapshot) =>
  !state.machine.context.tryOnce && state.machine.context.queuedAcquire === null
const waiting = (state: TimedSnapshot) =>
  fresh(state) && state.machine.matches({ session: { semaphore: { pending: 'waiting' } } })

describe('semaphore machine, model-based', () => {
  describeGeneratedPaths()

  describe('loops and scenarios, as joined paths', () => {
    const MONITOR_RETRY = delayed(
      'monitorRetry',
      'semaphore.session.semaphore.held.monitoring.retrying.pausing',
    )
    const RENEW_INTERVAL = delayed('renewInterval', 'semaphore.session.renewing.keepingAlive.scheduled')
    const RENEW_RETRY = delayed('renewRetry', 'semaphore.session.renewing.keepingAlive.retrying')
    const TRY_BUDGET = delayed('tryBudget', 'semaphore.session.semaphore.pending')
    const LEASE_DEADLINE = delayed('leaseDeadline', 'semaphore.session.renewing.keepingAlive')
    const cleanupRetry = (phase: 'releasing' | 'abandoning', step: string) =>
      delayed('cleanupRetry', `semaphore.${phase}.${step}`)
    const reset = (actor: string) => failed(actor, 'connection reset')

    const held = (state: TimedSnapshot) =>
      fresh(state) &&
      state.machine.matches({ session: { semaphore: { held: { monitoring: 'watching', lease: 'sound' } } } })
    const claiming = (state: TimedSnapshot) =>
      fresh(state) && state.machine.matches({ session: { semaphore: { pending: { claiming: 'inFlight' } } } })
    /** What the record writes of a path wrote: the holders listed and the index checked. */
    const recordWrites = (fakes: SemaphoreFakes) =>
      fakes.writeRecord.inputs().map(({ value, modifyIndex }) => ({
        holders: Object.keys((JSON.parse(value) as { Holders: object }).Holders),
        modifyIndex,
      }))
    /** Gives a held slot back: out of the record, our key deleted, our session destroyed. */
    const giveBack = [
      done('readRecord', 'lists us'),
      done('writeRecord', 'written'),
      done('deleteContender'),
      done('destroySession'),
    ]

    it('check-and-set lost, then won: the record is read again at once and the claim written at its new index', async () => {
      const path = joined(waiting, [
        done('listPrefix', 'free'),
        done('writeRecord', 'changed meanwhile'),
        done('listPrefix', 'holders dead'),
        done('writeRecord', 'written'),
      ])
      const { fakes } = await replayed(path, MANAGED.input)
      expect(recordWrites(fakes)).toEqual([
        { holders: [OTHER_SESSION, CREATED_SESSION].sort(), modifyIndex: RECORD_INDEX },
        { holders: [CREATED_SESSION], modifyIndex: RECORD_INDEX },
      ])
      // The lost check-and-set is followed by a read at once (index 0), not a blocking one.
      expect(fakes.listPrefix.inputs().map((input) => input.index)).toEqual([0n, 0n, 0n])
      expect(emittedTypes(path)).toEqual(['semaphore.acquired'])
      expect(path.state.machine.hasTag('held')).toBe(true)
    })

    it('full → waits on the listing’s index → a slot is freed → claimed and acquired', async () => {
      const path = joined(waiting, [
        done('listPrefix', 'full'),
        done('listPrefix', 'full'),
        done('listPrefix', 'free'),
        done('writeRecord', 'written'),
      ])
      const { fakes } = await replayed(path, MANAGED.input)
      const reads = fakes.listPrefix.inputs()
      expect(reads.map((input) => input.index)).toEqual([0n, 13n, 13n, 0n])
      expect(reads.slice(0, 3).map((input) => input.waitMs)).toEqual([450, 450, 450])
      // Once held, the monitor reads consistently, at once: its first read confirms our write.
      expect(reads[3]?.consistent).toBe(true)
      expect(path.state.emitted).toEqual([
        expect.objectContaining({
          type: 'semaphore.acquired',
          prefix: PREFIX,
          session: CREATED_SESSION,
          limit: LIMIT,
          holders: [OTHER_SESSION, CREATED_SESSION].sort(),
        }),
      ])
    })

    it('a restarted process listed in the record with its live contender key reclaims its slot without a write', async () => {
      const path = joined(waiting, [done('listPrefix', 'ours'), done('listPrefix', 'ours')])
      const { fakes } = await replayed(path, MANAGED.input)
      expect(fakes.writeRecord.calls).toHaveLength(0)
      // The monitor blocks on the index of the listing that showed the slot ours.
      expect(fakes.listPrefix.inputs().map((input) => input.index)).toEqual([0n, 14n, 14n])
      expect(emittedTypes(path)).toEqual(['semaphore.acquired'])
      expect(path.state.machine.hasTag('held')).toBe(true)
    })

    it('monitor retries: watching → retrying (suspect) → watching → retrying → lost (monitor-failed) → slot given back → idle', async () => {
      const path = joined(held, [
        reset('listPrefix'),
        MONITOR_RETRY,
        done('listPrefix', 'ours'),
        reset('listPrefix'),
        MONITOR_RETRY,
        reset('listPrefix'),
        ...giveBack,
      ])
      const { fired, fakes } = await replayed(path, MANAGED.input)
      expect(fired.map((timer) => timer.waitedMs)).toEqual([100, 100])
      expect(emittedTypes(path).slice(-3)).toEqual([
        'semaphore.suspect',
        'semaphore.suspect',
        'semaphore.lost',
      ])
      expect(path.steps.at(-5)?.state.emitted).toEqual([
        expect.objectContaining({ type: 'semaphore.lost', reason: 'monitor-failed' }),
      ])
      expect(recordWrites(fakes).at(-1)).toEqual({ holders: [OTHER_SESSION], modifyIndex: RECORD_INDEX })
      expect(fakes.deleteContender.inputs()).toEqual([{ key: `${PREFIX}/${CREATED_SESSION}` }])
      expect(path.state.machine.value).toBe('idle')
    })

    it('renew retries while held: renewingSession → retrying (suspect) → renewingSession → keepingAlive (sound)', async () => {
      const path = joined(held, [
        RENEW_INTERVAL,
        reset('renewSession'),
        RENEW_RETRY,
        done('renewSession', 'renewed'),
        RENEW_INTERVAL,
        done('renewSession', 'renewed'),
        done('listPrefix', 'ours'),
      ])
      const { fired } = await replayed(path, MANAGED.input)
      expect(fired.map((timer) => timer.waitedMs)).toEqual([500, 250, 500])
      const suspect = path.steps.map((step) => step.state.machine.hasTag('suspect'))
      expect(suspect.slice(-7)).toEqual([false, true, true, false, false, false, false])
      expect(path.state.machine.hasTag('held')).toBe(true)
    })

    it('lost (our contender key gone) → idle → ACQUIRE again → acquired, with a new session', async () => {
      const path = joined(held, [
        done('listPrefix', 'our key gone'),
        done('readRecord', 'without us'),
        done('deleteContender'),
        done('destroySession'),
        ev('ACQUIRE'),
        done('createSession'),
        done('acquireContender', 'entered'),
        done('listPrefix', 'free'),
        done('writeRecord', 'written'),
      ])
      const { fakes } = await replayed(path, MANAGED.input)
      expect(fakes.createSession.calls).toHaveLength(2)
      expect(fakes.acquireContender.calls).toHaveLength(2)
      expect(emittedTypes(path)).toEqual(['semaphore.acquired', 'semaphore.lost', 'semaphore.acquired'])
      expect(path.steps.at(-9)?.state.emitted).toEqual([
        expect.objectContaining({ type: 'semaphore.lost', reason: 'session-invalidated' }),
      ])
      expect(path.state.machine.hasTag('held')).toBe(true)
    })

    it('a RELEASE gives the slot back step by step: record (check-and-set), contender key, session; then released', async () => {
      const path = joined(held, [ev('RELEASE'), ...giveBack])
      const { fakes } = await replayed(path, MANAGED.input)
      expect(fakes.readRecord.inputs()).toEqual([{ key: `${PREFIX}/.lock`, index: 0n, consistent: false }])
      expect(recordWrites(fakes).at(-1)).toEqual({ holders: [OTHER_SESSION], modifyIndex: RECORD_INDEX })
      expect(fakes.deleteContender.inputs()).toEqual([{ key: `${PREFIX}/${CREATED_SESSION}` }])
      expect(fakes.destroySession.inputs()).toEqual([{ session: CREATED_SESSION }])
      expect(emittedTypes(path).slice(-1)).toEqual(['semaphore.released'])
      expect(path.state.machine.value).toBe('idle')
    })

    it("with the caller's session, a RELEASE deletes our contender key and leaves the session alone", async () => {
      const caller: ModelOptions = {
        input: { prefix: PREFIX, limit: LIMIT, session: CALLER_SESSION, ...TIMING },
        variants: eventVariants(CALLER_SESSION),
        maxDepth: 5,
      }
      const script = scriptEvents(caller.variants)
      const path = joined(
        held,
        [
          script.ev('RELEASE'),
          script.done('readRecord', 'lists us'),
          script.done('writeRecord', 'written'),
          script.done('deleteContender'),
        ],
        caller,
      )
      const { fakes } = await replayed(path, caller.input)
      expect(fakes.deleteContender.inputs()).toEqual([{ key: `${PREFIX}/${CALLER_SESSION}` }])
      expect(fakes.createSession.calls).toHaveLength(0)
      expect(fakes.destroySession.calls).toHaveLength(0)
      expect(emittedTypes(path).slice(-1)).toEqual(['semaphore.released'])
      expect(path.state.machine.value).toBe('idle')
    })

    /** How a held slot starts to be given back: a RELEASE, or a loss (evicted from the record). */
    const GIVING_BACK: Array<['releasing' | 'abandoning', ModelEvent, string]> = [
      ['releasing', ev('RELEASE'), 'semaphore.released'],
      ['abandoning', done('listPrefix', 'free'), 'semaphore.lost'],
    ]

    describe('a record removal whose check-and-set fails or is lost is read and written again', () => {
      for (const [phase, start] of GIVING_BACK) {
        it(phase, async () => {
          const path = joined(held, [
            start,
            done('readRecord', 'lists us'),
            reset('writeRecord'),
            cleanupRetry(phase, 'retryingRemoval'),
            done('readRecord', 'lists us'),
            done('writeRecord', 'changed meanwhile'),
            ...giveBack,
          ])
          const { fakes } = await replayed(path, MANAGED.input)
          expect(fakes.readRecord.calls).toHaveLength(3)
          const removals = recordWrites(fakes).slice(-3)
          expect(removals).toEqual(Array(3).fill({ holders: [OTHER_SESSION], modifyIndex: RECORD_INDEX }))
          expect(path.state.machine.value).toBe('idle')
        })
      }
    })

    describe('cleanup retries: each step fails four times, is retried three times with doubling pauses, reported, and the cleanup goes on to idle', () => {
      const retried = (phase: 'releasing' | 'abandoning', actor: string, state: string) => [
        ...Array.from({ length: CLEANUP_RETRIES }, () => [reset(actor), cleanupRetry(phase, state)]).flat(),
        reset(actor),
      ]
      for (const [phase, start, last] of GIVING_BACK) {
        it(phase, async () => {
          const path = joined(held, [
            start,
            ...retried(phase, 'readRecord', 'retryingRead'),
            ...retried(phase, 'deleteContender', 'retryingDelete'),
            ...retried(phase, 'destroySession', 'retryingDestroy'),
          ])
          const { fired, fakes } = await replayed(path, MANAGED.input)
          for (const actor of ['readRecord', 'deleteContender', 'destroySession'] as const) {
            expect(fakes[actor].calls).toHaveLength(CLEANUP_RETRIES + 1)
          }
          for (const step of ['retryingRead', 'retryingDelete', 'retryingDestroy']) {
            const retry = cleanupRetry(phase, step)
            const pauses = fired.filter((timer) => timer.type === retry.type).map((timer) => timer.waitedMs)
            expect(pauses).toHaveLength(CLEANUP_RETRIES)
            expect(pauses.slice(1)).toEqual(pauses.slice(0, -1).map((pause) => pause * 2))
          }
          const errors = emittedTypes(path).filter((type) => type === 'semaphore.error')
          expect(errors).toHaveLength(3)
          expect(emittedTypes(path)).toContain(last)
          expect(path.state.machine.value).toBe('idle')
        })
      }
    })

    it('a CANCEL while the claim is in flight waits for its answer; written, the slot is given back', async () => {
      const path = joined(claiming, [ev('CANCEL'), done('writeRecord', 'written'), ...giveBack])
      const { fakes } = await replayed(path, MANAGED.input)
      expect(fakes.writeRecord.calls[0]?.signal.aborted).toBe(false)
      const [claim, removal] = recordWrites(fakes).map((write) => write.holders)
      expect(claim).toContain(CREATED_SESSION)
      expect(removal).toEqual([OTHER_SESSION])
      expect(emittedTypes(path)).not.toContain('semaphore.acquired')
      expect(path.state.machine.value).toBe('idle')
    })

    it('a session found gone while waiting: a new session and contender key, then acquired; nothing left to clean up', async () => {
      const path = joined(waiting, [
        TRY_BUDGET,
        RENEW_INTERVAL,
        done('renewSession', 'session gone'),
        done('createSession'),
        done('acquireContender', 'entered'),
        done('listPrefix', 'free'),
        done('writeRecord', 'written'),
      ])
      const { fakes } = await replayed(path, MANAGED.input)
      expect(fakes.createSession.calls).toHaveLength(2)
      expect(fakes.acquireContender.calls).toHaveLength(2)
      // Consul deleted the old contender key with its session (behavior delete).
      expect(fakes.deleteContender.calls).toHaveLength(0)
      expect(fakes.destroySession.calls).toHaveLength(0)
      expect(emittedTypes(path)).toEqual(['semaphore.acquired'])
      expect(path.state.machine.hasTag('held')).toBe(true)
    })

    it('the lease runs out during a claim: semaphore.error, the write awaited, written anyway → the slot given back', async () => {
      const path = joined(claiming, [
        TRY_BUDGET,
        RENEW_INTERVAL,
        reset('renewSession'),
        RENEW_RETRY,
        LEASE_DEADLINE,
        done('writeRecord', 'written'),
        ...giveBack,
      ])
      const { fakes } = await replayed(path, MANAGED.input)
      const [cancelled] = path.steps.slice(-6)
      expect(
        cancelled?.state.machine.matches({ session: { semaphore: { pending: { claiming: 'cancelled' } } } }),
      ).toBe(true)
      expect(cancelled?.state.emitted.map((event) => event.type)).toEqual(['semaphore.error'])
      expect(emittedTypes(path)).not.toContain('semaphore.acquired')
      expect(fakes.writeRecord.calls[0]?.signal.aborted).toBe(false)
      expect(recordWrites(fakes).at(-1)?.holders).toEqual([OTHER_SESSION])
      expect(path.state.machine.value).toBe('idle')
    })

    describe('an ACQUIRE during a cleanup waits for idle; a CANCEL withdraws it', () => {
      const cleanups: Array<[string, (state: TimedSnapshot) => boolean, ModelEvent[], ModelEvent[]]> = [
        ['giving a slot back after a RELEASE', held, [ev('RELEASE')], giveBack],
        ['giving a slot back after a loss', held, [done('listPrefix', 'free')], giveBack],
        [
          'a cancelled claim in flight',
          claiming,
          [ev('CANCEL')],
          // A cancelled claim's answer is not looked at: the record is read (here without us) first.
          [done('writeRecord', 'changed meanwhile'), done('readRecord', 'without us'), ...giveBack.slice(2)],
        ],
      ]
      for (const [cleanup, start, enter, finish] of cleanups) {
        it(`${cleanup}: the queued ACQUIRE starts once idle`, async () => {
          const path = joined(start, [...enter, ev('ACQUIRE'), ...finish, done('createSession')])
          const { fakes } = await replayed(path, MANAGED.input)
          expect(fakes.createSession.calls).toHaveLength(2)
          expect(path.state.machine.matches({ session: { semaphore: { pending: 'contending' } } })).toBe(true)
        })
        it(`${cleanup}: CANCEL drops it, the semaphore ends idle`, async () => {
          const path = joined(start, [...enter, ev('ACQUIRE'), ev('CANCEL'), ...finish])
          const { fakes } = await replayed(path, MANAGED.input)
          expect(fakes.createSession.calls).toHaveLength(1)
          expect(path.state.machine.value).toBe('idle')
        })
      }
    })

    it('a tryOnce ACQUIRE on a full semaphore times out: semaphore.timeout, contender key deleted, session destroyed, idle', async () => {
      const tryOnce: ModelOptions = {
        input: { ...MANAGED.input, semaphoreTryOnce: true },
        variants: { ...variants, ACQUIRE: [ev('ACQUIRE')] },
        maxDepth: 4,
      }
      const path = joined(
        (state) => state.machine.matches({ session: { semaphore: { pending: 'waiting' } } }),
        [done('listPrefix', 'full'), TRY_BUDGET, done('deleteContender'), done('destroySession')],
        tryOnce,
      )
      const { fired, fakes } = await replayed(path, tryOnce.input)
      // The budget (semaphoreWaitTime 450 ms) counts from the ACQUIRE: the create took 20 ms of it.
      expect(fired).toEqual([{ type: TRY_BUDGET.type, waitedMs: 430 }])
      expect(fakes.writeRecord.calls).toHaveLength(0)
      expect(emittedTypes(path)).toEqual(['semaphore.timeout'])
      expect(path.state.machine.value).toBe('idle')
    })
  })

  describe('errors and refusals, as joined paths', () => {
    /** The errors a path reported, oldest first. */
    const reported = (path: SemaphoreModelPath) =>
      path.steps.flatMap((step) =>
        step.state.emitted.flatMap((event) => (event.type === 'semaphore.error' ? [event.error] : [])),
      )

    describe('a contender stops at a record it must not join, reports why, deletes its key and its session', () => {
      const cases: Array<[string, string, string?]> = [
        ['lock flags', 'ESEMCONFLICT'],
        ['limit 3', 'ESEMLIMIT', 'semaphore limit conflict (lock: 3, local: 2)'],
        ['undecodable', 'ESEMRECORD'],
      ]
      for (const [listing, code, message] of cases) {
        it(`${listing}: ${code}`, async () => {
          const path = joined(waiting, [
            done('listPrefix', listing),
            done('deleteContender'),
            done('destroySession'),
          ])
          const { fakes } = await replayed(path, MANAGED.input)
          const [error, ...more] = reported(path)
          expect(more).toEqual([])
          expect(error).toMatchObject({ code, ...(message === undefined ? {} : { message }) })
          expect(fakes.writeRecord.calls).toHaveLength(0)
          expect(path.state.machine.value).toBe('idle')
        })
      }
    })

    describe('DESTROY deletes the record only when no live session holds a slot', () => {
      const cases: Array<[string, ModelEvent[], string]> = [
        ['no record: nothing to delete', [done('listPrefix', 'no record')], 'destroyed'],
        [
          'only dead holders: deleted at the index read',
          [done('listPrefix', 'holders dead'), done('deleteRecord', 'deleted')],
          'destroyed',
        ],
        [
          'only dead holders, but the record changed meanwhile: in use',
          [done('listPrefix', 'holders dead'), done('deleteRecord', 'changed meanwhile')],
          'ESEMINUSE',
        ],
        ['a live holder: in use', [done('listPrefix', 'free')], 'ESEMINUSE'],
        ["a lock's key: conflict", [done('listPrefix', 'lock flags')], 'ESEMCONFLICT'],
        ['a record that does not decode', [done('listPrefix', 'undecodable')], 'ESEMRECORD'],
      ]
      for (const [name, tail, outcome] of cases) {
        it(`${name}: ${outcome}`, async () => {
          const path = joined((state) => state.depth === 0, [ev('DESTROY'), ...tail])
          const { fakes } = await replayed(path, MANAGED.input)
          if (outcome === 'destroyed') {
            expect(emittedTypes(path)).toEqual(['semaphore.destroyed'])
          } else {
            expect(reported(path)).toEqual([expect.objectContaining({ code: outcome })])
          }
          for (const input of fakes.deleteRecord.inputs()) {
            expect(input).toEqual({ key: `${PREFIX}/.lock`, modifyIndex: RECORD_INDEX })
          }
          expect(fakes.writeRecord.calls).toHaveLength(0)
          expect(fakes.createSession.calls).toHaveLength(0)
          expect(path.state.machine.value).toBe('idle')
        })
      }
    })
  })

  itReachedEveryStateNode()
})
