/**
 * The lock statechart: a Consul lock (Go's `api.Lock`, wire-compatible) as one explicit
 * XState v5 machine. Read the chart below first; guards, actions and delays are named after
 * what they check or do and defined in `lock.setup.ts`; actors in `actors/`.
 *
 * ```
 * idle ─ACQUIRE─▶ creatingSession ─▶ session (parallel)
 *   renewing: keepingAlive (scheduled → renewingSession → scheduled; failures → retrying)
 *             ─ lease deadline ─▶ expired │ 404 ─▶ invalidated │ unmanaged (caller's session)
 *   lock:     pending: waiting ⇄ acquiring → backoff → waiting
 *             held (parallel): monitoring (watching ⇄ retrying{pausing → rereading}) ∥ lease (sound ⇄ suspect)
 * held ─RELEASE─▶ releasing ─▶ idle      loss, error, cancel, timeout ─▶ abandoning ─▶ idle
 * idle ─DESTROY─▶ destroying ─▶ idle     (an ACQUIRE during a cleanup waits for idle)
 * ```
 *
 * Renewal is a region beside the whole lock lifecycle, not only `held`: a session waiting for a
 * busy lock must be kept alive too (Go's renewer runs from session creation on). The states the
 * lock shares with the semaphore (idle, creatingSession, renewing, the held lease, the cleanup
 * steps) are in `session-lifecycle.states.ts`.
 */
import { and, not } from 'xstate'
import { initialContext, lockSetup, sessionOf } from './lock.setup.js'
import type { LockContext } from './lock.types.js'
import {
  CREATING_SESSION,
  DESTROY_SESSION_STEPS,
  IDLE,
  LEASE_REGION,
  lastKeyStep,
  monitoringRegion,
  pauseThenRetry,
  QUEUE_ACQUIRE,
  renewingRegion,
  writeInFlight,
} from './session-lifecycle.states.js'

/**
 * Giving back what is ours, shared by `releasing` and `abandoning`: the key is released first
 * (only a session holding it can), then the session we created is destroyed, so the next holder
 * gets no lock-delay. Retryable failures are retried a few times; then they are reported and
 * the cleanup goes on: a destroyed session frees the key anyway, and an undestroyed one expires
 * with its TTL.
 */
const releaseKeyThenSession = lockSetup.createStateConfig({
  initial: 'releasingKey',
  states: {
    releasingKey: lastKeyStep(
      {
        id: 'releaseKey',
        src: 'releaseKey',
        input: ({ context }: { context: LockContext }) => ({
          key: context.settings.key,
          session: sessionOf(context),
          value: context.settings.value,
        }),
      },
      'retryingRelease',
    ),
    retryingRelease: pauseThenRetry('releasingKey'),
    ...DESTROY_SESSION_STEPS,
  },
})

const MONITORING = '#lock.session.lock.held.monitoring'

/**
 * The monitor's read of a held key: a consistent blocking GET whose answer says whether the
 * lock is still ours (Go's `monitorLock`). Failures go to `onRetry` while retries are left.
 */
const watchKey = (onRetry: string) =>
  lockSetup.createStateConfig({
    invoke: {
      id: 'readKey',
      src: 'readKey',
      input: ({ context }) => ({ key: context.settings.key, index: context.monitorIndex, consistent: true }),
      onDone: [
        {
          guard: 'isHeldByUs',
          target: `${MONITORING}.watching`,
          reenter: true,
          actions: 'recordMonitorRead',
        },
        {
          guard: 'keyMissing',
          target: '#lock.abandoning',
          actions: { type: 'notifyLost', params: { reason: 'key-deleted' } },
        },
        {
          guard: not('isLocked'),
          target: '#lock.abandoning',
          actions: { type: 'notifyLost', params: { reason: 'session-invalidated' } },
        },
        { target: '#lock.abandoning', actions: { type: 'notifyLost', params: { reason: 'taken' } } },
      ],
      onError: [
        { guard: 'canRetryMonitor', target: onRetry, actions: 'countMonitorFailure' },
        { target: '#lock.abandoning', actions: { type: 'notifyLost', params: { reason: 'monitor-failed' } } },
      ],
    },
  })

export const lockMachine = lockSetup.createMachine({
  id: 'lock',
  context: ({ input }) => initialContext(input),
  initial: 'idle',
  states: {
    idle: IDLE,

    creatingSession: CREATING_SESSION,

    session: {
      type: 'parallel',
      states: {
        renewing: renewingRegion('lock'),

        lock: {
          initial: 'pending',
          states: {
            pending: {
              after: { tryBudget: { guard: 'isTryOnce', actions: 'signalTryBudgetSpent' } },
              on: {
                RELEASE: { actions: 'cancelInstead' },
                // Nothing held yet (acquiring overrides these): only our own session to drop.
                CANCEL: [
                  { guard: 'ownsSession', target: '#lock.abandoning.destroyingSession' },
                  { target: '#lock.idle' },
                ],
                'lock.tryBudgetSpent': [
                  {
                    guard: 'ownsSession',
                    target: '#lock.abandoning.destroyingSession',
                    actions: 'notifyTimeout',
                  },
                  { target: '#lock.idle', actions: 'notifyTimeout' },
                ],
                // Gone on the server: nothing to clean up. Start over with a new session, unless
                // trying once: a new session would restart the budget.
                'session.invalidated': [
                  { guard: 'isTryOnce', target: '#lock.idle', actions: 'notifyTimeout' },
                  { target: '#lock.creatingSession' },
                ],
                'session.expired': { target: '#lock.abandoning.destroyingSession', actions: 'notifyError' },
              },
              initial: 'waiting',
              states: {
                waiting: {
                  tags: 'pending',
                  invoke: {
                    id: 'readKey',
                    src: 'readKey',
                    input: ({ context }) => ({
                      key: context.settings.key,
                      index: context.waitIndex,
                      waitMs: context.settings.lockWaitTimeMs,
                      consistent: false,
                    }),
                    onDone: [
                      {
                        guard: and(['hasConflictingFlags', 'ownsSession']),
                        target: '#lock.abandoning.destroyingSession',
                        actions: 'notifyConflict',
                      },
                      { guard: 'hasConflictingFlags', target: '#lock.idle', actions: 'notifyConflict' },
                      { guard: 'isHeldByUs', target: '#lock.session.lock.held', actions: 'recordReclaimed' },
                      { guard: 'isLocked', target: 'waiting', reenter: true, actions: 'recordWaitIndex' },
                      { target: 'acquiring', actions: 'recordFreeKey' },
                    ],
                    onError: [
                      {
                        guard: 'ownsSession',
                        target: '#lock.abandoning.destroyingSession',
                        actions: 'notifyError',
                      },
                      { target: '#lock.idle', actions: 'notifyError' },
                    ],
                  },
                },
                acquiring: {
                  invoke: {
                    id: 'acquireKey',
                    src: 'acquireKey',
                    input: ({ context }) => ({
                      key: context.settings.key,
                      session: sessionOf(context),
                      value: context.settings.value,
                      expectedModifyIndex: context.freeAtIndex,
                    }),
                    onDone: [
                      { guard: 'acquireCancelled', target: '#lock.abandoning' },
                      { guard: 'acquired', target: '#lock.session.lock.held', actions: 'recordAcquired' },
                      { guard: 'isLastAttempt', target: '#lock.abandoning', actions: 'notifyTimeout' },
                      { guard: 'acquireLostToOther', target: 'waiting', actions: 'recordWaitIndex' },
                      { target: 'backoff' },
                    ],
                    onError: [
                      { guard: 'acquireCancelled', target: '#lock.abandoning' },
                      // Our session is gone: `pending` starts over as for a renew's 404.
                      { guard: and(['ownsSession', 'sessionRejected']), actions: 'signalSessionInvalidated' },
                      { target: '#lock.abandoning', actions: 'notifyError' },
                    ],
                  },
                  // An acquire in flight is never aborted: it may be applied anyway, so its
                  // answer decides what there is to clean up.
                  ...writeInFlight('lock'),
                },
                backoff: {
                  tags: 'pending',
                  after: { lockDelayBackoff: { target: 'waiting', actions: 'readAtOnce' } },
                },
              },
            },

            held: {
              tags: 'held',
              type: 'parallel',
              entry: 'notifyAcquired',
              on: {
                RELEASE: '#lock.releasing',
                CANCEL: '#lock.releasing',
                'session.invalidated': {
                  target: '#lock.abandoning',
                  actions: { type: 'notifyLost', params: { reason: 'session-invalidated' } },
                },
                'session.expired': {
                  target: '#lock.abandoning',
                  actions: { type: 'notifyLost', params: { reason: 'renew-failed' } },
                },
              },
              states: {
                monitoring: monitoringRegion(MONITORING, watchKey),
                lease: LEASE_REGION,
              },
            },
          },
        },
      },
    },

    // RELEASE, as Go's Unlock: the key, then the session.
    releasing: {
      tags: 'releasing',
      on: QUEUE_ACQUIRE,
      ...releaseKeyThenSession,
      onDone: { target: 'idle', actions: ['forgetLease', 'notifyReleased'] },
    },

    // After a loss, an error, a cancel or a timeout: give back whatever may still be ours.
    // Entered at `releasingKey` when the key may be held by our session, at
    // `destroyingSession` when only a session we created is left.
    abandoning: {
      tags: 'releasing',
      on: QUEUE_ACQUIRE,
      ...releaseKeyThenSession,
      onDone: { target: 'idle', actions: 'forgetLease' },
    },

    // DESTROY (Go's Lock.Destroy): delete the key only if it is a free lock key.
    destroying: {
      tags: 'destroying',
      on: QUEUE_ACQUIRE,
      initial: 'reading',
      states: {
        reading: {
          invoke: {
            id: 'readKey',
            src: 'readKey',
            input: ({ context }) => ({ key: context.settings.key, index: 0n, consistent: false }),
            onDone: [
              { guard: 'keyMissing', target: 'done' },
              { guard: 'hasConflictingFlags', target: '#lock.idle', actions: 'notifyConflict' },
              { guard: 'isLocked', target: '#lock.idle', actions: 'notifyInUse' },
              { target: 'deleting', actions: 'recordFreeKey' },
            ],
            onError: { target: '#lock.idle', actions: 'notifyError' },
          },
        },
        deleting: {
          invoke: {
            id: 'deleteKey',
            src: 'deleteKey',
            input: ({ context }) => ({ key: context.settings.key, modifyIndex: context.freeAtIndex ?? 0n }),
            onDone: [
              { guard: 'deleted', target: 'done' },
              { target: '#lock.idle', actions: 'notifyInUse' },
            ],
            onError: { target: '#lock.idle', actions: 'notifyError' },
          },
        },
        done: { type: 'final' },
      },
      onDone: { target: 'idle', actions: 'notifyDestroyed' },
    },
  },
})
