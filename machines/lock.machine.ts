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
 * busy lock must be kept alive too (Go's renewer runs from session creation on).
 */
import { and, not } from 'xstate'
import { initialContext, lockSetup, sessionOf } from './lock.setup.js'

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
    releasingKey: {
      invoke: {
        id: 'releaseKey',
        src: 'releaseKey',
        input: ({ context }) => ({
          key: context.settings.key,
          session: sessionOf(context),
          value: context.settings.value,
        }),
        onDone: [
          { guard: 'ownsSession', target: 'destroyingSession', actions: 'resetCleanupRetries' },
          { target: 'done' },
        ],
        onError: [
          { guard: 'canRetryCleanup', target: 'retryingRelease' },
          {
            guard: 'ownsSession',
            target: 'destroyingSession',
            actions: ['notifyError', 'resetCleanupRetries'],
          },
          { target: 'done', actions: 'notifyError' },
        ],
      },
    },
    retryingRelease: { after: { cleanupRetry: { target: 'releasingKey', actions: 'countCleanupRetry' } } },
    destroyingSession: {
      invoke: {
        id: 'destroySession',
        src: 'destroySession',
        input: ({ context }) => ({ session: sessionOf(context) }),
        onDone: 'done',
        onError: [
          { guard: 'canRetryCleanup', target: 'retryingDestroy' },
          { target: 'done', actions: 'notifyError' },
        ],
      },
    },
    retryingDestroy: {
      after: { cleanupRetry: { target: 'destroyingSession', actions: 'countCleanupRetry' } },
    },
    done: { type: 'final' },
  },
})

/** While cleaning up, an ACQUIRE waits for idle; a CANCEL or RELEASE withdraws it. */
const QUEUE_ACQUIRE = {
  ACQUIRE: { actions: 'queueAcquire' },
  CANCEL: { actions: 'dropQueuedAcquire' },
  RELEASE: { actions: 'dropQueuedAcquire' },
} as const

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
    idle: {
      tags: 'idle',
      entry: 'startQueuedAcquire',
      on: {
        ACQUIRE: [
          { guard: 'hasInvalidWait', actions: 'notifyInvalidWait' },
          { guard: 'usesCallerSession', target: 'session.renewing.unmanaged', actions: 'startAttempt' },
          { target: 'creatingSession', actions: 'startAttempt' },
        ],
        DESTROY: 'destroying',
      },
    },

    creatingSession: {
      // RELEASE and CANCEL both mean "give it up", whatever the stage.
      on: { RELEASE: { actions: 'cancelInstead' } },
      invoke: {
        id: 'createSession',
        src: 'createSession',
        input: ({ context }) => ({ sessionOptions: context.settings.sessionOptions }),
        onDone: [
          { guard: 'creationCancelled', target: 'abandoning.destroyingSession', actions: 'rememberSession' },
          { guard: 'createdSessionHasTTL', target: 'session', actions: 'rememberSession' },
          { target: 'session.renewing.unmanaged', actions: 'rememberSession' },
        ],
        onError: [
          { guard: 'creationCancelled', target: 'idle' },
          { target: 'idle', actions: 'notifyError' },
        ],
      },
      // A create in flight is never aborted: the server may create the session anyway, and
      // only its ID lets us destroy it.
      initial: 'requested',
      states: {
        requested: {
          tags: 'pending',
          on: { CANCEL: 'cancelled' },
          // The try-once budget counts from the ACQUIRE; `pending` gets what the create left.
          after: { tryBudget: { guard: 'isTryOnce', target: 'cancelled', actions: 'notifyTimeout' } },
        },
        cancelled: { tags: 'releasing', on: QUEUE_ACQUIRE },
      },
    },

    session: {
      type: 'parallel',
      states: {
        renewing: {
          initial: 'keepingAlive',
          states: {
            keepingAlive: {
              after: { leaseDeadline: 'expired' },
              initial: 'scheduled',
              states: {
                scheduled: { after: { renewInterval: 'renewingSession' } },
                renewingSession: {
                  invoke: {
                    id: 'renewSession',
                    src: 'renewSession',
                    input: ({ context }) => ({ session: sessionOf(context) }),
                    onDone: [
                      { guard: 'sessionGone', target: '#lock.session.renewing.invalidated' },
                      {
                        guard: 'sessionHasNoTTL',
                        target: '#lock.session.renewing.unmanaged',
                        actions: ['adoptLease', 'signalRenewed'],
                      },
                      {
                        target: '#lock.session.renewing.keepingAlive',
                        reenter: true,
                        actions: ['adoptLease', 'signalRenewed'],
                      },
                    ],
                    onError: { target: 'retrying', actions: 'signalRenewFailed' },
                  },
                  after: { renewTimeout: { target: 'retrying', actions: 'signalRenewFailed' } },
                },
                retrying: { after: { renewRetry: 'renewingSession' } },
              },
            },
            expired: { entry: 'signalSessionExpired' },
            invalidated: { entry: 'signalSessionInvalidated' },
            // The caller's session, or one without a TTL: never renewed.
            unmanaged: {},
          },
        },

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
                  initial: 'inFlight',
                  states: {
                    inFlight: {
                      tags: 'pending',
                      on: {
                        CANCEL: 'cancelled',
                        'lock.tryBudgetSpent': 'lastAttempt',
                        'session.expired': { target: 'cancelled', actions: 'notifyError' },
                      },
                    },
                    lastAttempt: {
                      tags: 'pending',
                      on: {
                        CANCEL: 'cancelled',
                        'session.expired': { target: 'cancelled', actions: 'notifyError' },
                      },
                    },
                    // Only the write's answer may end this state: nothing may reach `pending`.
                    cancelled: {
                      tags: 'releasing',
                      on: {
                        ...QUEUE_ACQUIRE,
                        'lock.tryBudgetSpent': {},
                        'session.invalidated': {},
                        'session.expired': {},
                      },
                    },
                  },
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
                monitoring: {
                  initial: 'watching',
                  states: {
                    watching: watchKey(`${MONITORING}.retrying`),
                    // Suspect from the first failed read until a read succeeds again.
                    retrying: {
                      tags: 'suspect',
                      entry: 'notifyMonitorSuspect',
                      initial: 'pausing',
                      states: {
                        pausing: { after: { monitorRetry: 'rereading' } },
                        rereading: watchKey(`${MONITORING}.retrying.pausing`),
                      },
                    },
                  },
                },
                lease: {
                  initial: 'assessing',
                  states: {
                    // Acquired while renewal was failing: suspect from the start.
                    assessing: {
                      always: [{ guard: 'renewalFailing', target: 'suspect' }, { target: 'sound' }],
                    },
                    sound: { on: { 'session.renewFailed': 'suspect' } },
                    suspect: {
                      tags: 'suspect',
                      entry: 'notifyRenewSuspect',
                      on: { 'session.renewed': 'sound' },
                    },
                  },
                },
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
