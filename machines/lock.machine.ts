/**
 * The lock statechart: a Consul lock (Go's `api.Lock`, wire-compatible) as one explicit
 * XState v5 machine. Read the chart below first; guards, actions and delays are named after
 * what they check or do and defined in `setup()` above it.
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
import { type AnyActorRef, and, assertEvent, assign, enqueueActions, raise, setup, stateIn } from 'xstate'
import { nextWaitIndex } from '../src/consul/blocking.js'
import {
  ConsulLockMachineError,
  InvalidOptionError,
  isRetryable,
  LockConflictError,
  LockInUseError,
} from '../src/errors.js'
import { type AcquireOutcome, isSessionRejection } from './actors/acquire-key.js'
import type { CreatedSession } from './actors/create-session.js'
import { createLockActors } from './actors/index.js'
import { UNBOUND_CLIENT } from './actors/lock-client.js'
import type { KeyRead } from './actors/read-key.js'
import type { RenewedSession } from './actors/renew-session.js'
import { LOCK_FLAG_VALUE } from './flags.js'
import { type LockOptions, type LockSettings, resolveLockOptions, tryWaitMs } from './lock.options.js'
import {
  CLEANUP_RETRIES,
  cleanupRetryMs,
  leaseRemainingMs,
  lockDelayBackoffMs,
  renewIntervalMs,
  renewRetryMs,
  renewTimeoutMs,
} from './lock.timing.js'
import type { LockContext, LockEvent, LockNotification, LockTag } from './lock.types.js'

type LostReason = Extract<LockNotification, { type: 'lock.lost' }>['reason']

/** The context an acquire attempt starts from. */
function freshAttempt(settings: LockSettings) {
  return {
    session: settings.session,
    ownsSession: false,
    ttlMs: settings.sessionTTLMs,
    leaseMs: settings.sessionTTLMs,
    renewError: undefined,
    waitIndex: 0n,
    freeAtIndex: null,
    backoffAttempt: 0,
    monitorIndex: 0n,
    monitorFailures: 0,
    cleanupRetries: 0,
    lease: null,
  } satisfies Partial<LockContext>
}

function initialContext(options: LockOptions): LockContext {
  const settings = resolveLockOptions(options)
  return {
    settings,
    ...freshAttempt(settings),
    session: null,
    tryOnce: false,
    tryWaitMs: settings.lockWaitTimeMs,
    queuedAcquire: null,
  }
}

/**
 * The output of the invoked actor whose done event is being handled. (Implementations in
 * `setup()` see only the machine's own event types, not the actors' done events.)
 */
function outputOf<T>(event: LockEvent): T {
  const done = event as { type: string; output?: T }
  if (!('output' in done)) throw new Error(`lock machine: '${done.type}' carries no actor output`)
  return done.output as T
}

/** The error of a failed actor (or of a raised renew failure), if the event carries one. */
function errorOf(event: LockEvent): unknown {
  return (event as { error?: unknown }).error
}

/** The key as a read found it. */
const readOf = (event: LockEvent) => outputOf<KeyRead>(event)

/** Where the enqueued notifications go: observers (`actor.on`) and, when embedded, the parent. */
interface NotificationQueue {
  emit: (event: LockNotification) => void
  sendParent: (event: LockNotification) => void
}

function notify(enqueue: NotificationQueue, self: AnyActorRef, event: LockNotification): void {
  enqueue.emit(event)
  if (self._parent !== undefined) enqueue.sendParent(event)
}

/** Why `session.expired` fires when no renew has failed yet: the lease ran out first. */
function leaseRanOut(): Error {
  return new ConsulLockMachineError(
    'ESESSIONEXPIRED',
    'The session lease ran out before it could be renewed (the session create took nearly a TTL)',
  )
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

/** The error of an ACQUIRE whose `wait` is not a positive duration (events are not type-checked at runtime). */
function invalidWait(event: LockEvent): InvalidOptionError | undefined {
  if (event.type !== 'ACQUIRE' || event.wait === undefined) return undefined
  try {
    tryWaitMs(event.wait)
    return undefined
  } catch (error) {
    if (error instanceof InvalidOptionError) return error
    throw error
  }
}

function sessionOf(context: LockContext): string {
  if (context.session === null) throw new Error('lock machine: no session in this state')
  return context.session
}

const lockSetup = setup({
  types: {
    context: {} as LockContext,
    input: {} as LockOptions,
    events: {} as LockEvent,
    emitted: {} as LockNotification,
    tags: {} as LockTag,
  },
  actors: createLockActors(UNBOUND_CLIENT),
  guards: {
    usesCallerSession: ({ context }) => context.settings.session !== null,
    hasInvalidWait: ({ event }) => invalidWait(event) !== undefined,
    ownsSession: ({ context }) => context.ownsSession,
    renewalFailing: ({ context }) => context.renewError !== undefined,
    createdSessionHasTTL: ({ context }) => context.settings.sessionTTLMs > 0,
    sessionHasNoTTL: ({ event }) => outputOf<RenewedSession | null>(event)?.ttlMs === 0,
    sessionGone: ({ event }) => outputOf<RenewedSession | null>(event) === null,
    creationCancelled: stateIn('#lock.creatingSession.cancelled'),
    acquireCancelled: stateIn('#lock.session.lock.pending.acquiring.cancelled'),
    isLastAttempt: stateIn('#lock.session.lock.pending.acquiring.lastAttempt'),
    isTryOnce: ({ context }) => context.tryOnce,
    hasConflictingFlags: ({ event }) => {
      const { pair } = readOf(event)
      return pair !== null && pair.flags !== LOCK_FLAG_VALUE
    },
    isHeldByUs: ({ context, event }) => readOf(event).pair?.session === sessionOf(context),
    isLocked: ({ event }) => readOf(event).pair?.session !== undefined,
    keyMissing: ({ event }) => readOf(event).pair === null,
    keyUnlocked: ({ event }) => readOf(event).pair?.session === undefined,
    acquired: ({ event }) => outputOf<AcquireOutcome>(event).acquired,
    acquireLostToOther: ({ event }) => {
      const outcome = outputOf<AcquireOutcome>(event)
      return !outcome.acquired && outcome.holder !== null
    },
    deleted: ({ event }) => outputOf<boolean>(event),
    canRetryCleanup: ({ context, event }) =>
      context.cleanupRetries < CLEANUP_RETRIES && isRetryable(errorOf(event)),
    sessionRejected: ({ event }) => isSessionRejection(errorOf(event)),
    canRetryMonitor: ({ context, event }) =>
      context.monitorFailures < context.settings.monitorRetries && isRetryable(errorOf(event)),
  },
  actions: {
    startAttempt: assign(({ context, event }) => {
      assertEvent(event, 'ACQUIRE')
      return {
        ...freshAttempt(context.settings),
        tryOnce: event.tryOnce ?? context.settings.lockTryOnce,
        tryWaitMs: event.wait === undefined ? context.settings.lockWaitTimeMs : tryWaitMs(event.wait),
      }
    }),
    queueAcquire: assign(({ event }) => {
      assertEvent(event, 'ACQUIRE')
      const { type: _, ...request } = event
      return { queuedAcquire: request }
    }),
    dropQueuedAcquire: assign({ queuedAcquire: null }),
    startQueuedAcquire: enqueueActions(({ context, enqueue }) => {
      if (context.queuedAcquire === null) return
      enqueue.assign({ queuedAcquire: null })
      enqueue.raise({ type: 'ACQUIRE', ...context.queuedAcquire })
    }),
    rememberSession: assign(({ context, event }) => {
      const created = outputOf<CreatedSession>(event)
      return {
        session: created.id,
        ownsSession: true,
        leaseMs: leaseRemainingMs(context.ttlMs, created.elapsedMs),
        renewError: undefined,
        tryWaitMs: Math.max(0, context.tryWaitMs - created.elapsedMs),
      }
    }),
    adoptLease: assign(({ event }) => {
      const renewed = outputOf<RenewedSession | null>(event)
      if (renewed === null) return {}
      return {
        ttlMs: renewed.ttlMs,
        leaseMs: leaseRemainingMs(renewed.ttlMs, renewed.elapsedMs),
        renewError: undefined,
      }
    }),
    signalRenewed: raise({ type: 'session.renewed' }),
    signalRenewFailed: enqueueActions(({ event, enqueue }) => {
      const error = errorOf(event) ?? new Error('session renew timed out')
      enqueue.assign({ renewError: error })
      enqueue.raise({ type: 'session.renewFailed', error })
    }),
    signalSessionExpired: raise({ type: 'session.expired' }),
    signalSessionInvalidated: raise({ type: 'session.invalidated' }),
    signalTryBudgetSpent: raise({ type: 'lock.tryBudgetSpent' }),
    cancelInstead: raise({ type: 'CANCEL' }),
    recordWaitIndex: assign({
      waitIndex: ({ context, event }) =>
        nextWaitIndex(context.waitIndex, outputOf<{ index: bigint }>(event).index),
    }),
    readAtOnce: assign({ waitIndex: 0n, backoffAttempt: ({ context }) => context.backoffAttempt + 1 }),
    recordFreeKey: assign({ freeAtIndex: ({ event }) => readOf(event).pair?.modifyIndex ?? null }),
    recordAcquired: assign(({ event }) => {
      const outcome = outputOf<AcquireOutcome>(event)
      if (!outcome.acquired) return {}
      const { lockIndex, modifyIndex } = outcome
      // A key's read index is its ModifyIndex: the monitor blocks from our own write at once.
      return { lease: { lockIndex, modifyIndex }, monitorIndex: modifyIndex, monitorFailures: 0 }
    }),
    recordReclaimed: assign(({ event }) => {
      const { pair, index } = readOf(event)
      if (pair === null) return {}
      return {
        lease: { lockIndex: pair.lockIndex, modifyIndex: pair.modifyIndex },
        monitorIndex: index,
        monitorFailures: 0,
      }
    }),
    recordMonitorRead: assign({ monitorIndex: ({ event }) => readOf(event).index, monitorFailures: 0 }),
    countMonitorFailure: assign({
      monitorIndex: 0n,
      monitorFailures: ({ context }) => context.monitorFailures + 1,
    }),
    countCleanupRetry: assign({ cleanupRetries: ({ context }) => context.cleanupRetries + 1 }),
    resetCleanupRetries: assign({ cleanupRetries: 0 }),
    forgetLease: assign({ lease: null, session: null, ownsSession: false }),
    notifyAcquired: enqueueActions(({ context, enqueue, self }) => {
      if (context.lease === null) return
      notify(enqueue, self, {
        type: 'lock.acquired',
        key: context.settings.key,
        session: sessionOf(context),
        lockIndex: context.lease.lockIndex,
        modifyIndex: context.lease.modifyIndex,
      })
    }),
    notifyRenewSuspect: enqueueActions(({ context, enqueue, self }) => {
      notify(enqueue, self, {
        type: 'lock.suspect',
        key: context.settings.key,
        cause: 'renew-failed',
        error: context.renewError,
      })
    }),
    notifyMonitorSuspect: enqueueActions(({ context, event, enqueue, self }) => {
      notify(enqueue, self, {
        type: 'lock.suspect',
        key: context.settings.key,
        cause: 'monitor-failed',
        error: errorOf(event),
      })
    }),
    notifyLost: enqueueActions(({ context, enqueue, self }, params: { reason: LostReason }) => {
      notify(enqueue, self, { type: 'lock.lost', key: context.settings.key, reason: params.reason })
    }),
    notifyReleased: enqueueActions(({ context, enqueue, self }) => {
      notify(enqueue, self, { type: 'lock.released', key: context.settings.key })
    }),
    notifyTimeout: enqueueActions(({ context, enqueue, self }) => {
      notify(enqueue, self, { type: 'lock.timeout', key: context.settings.key })
    }),
    notifyDestroyed: enqueueActions(({ context, enqueue, self }) => {
      notify(enqueue, self, { type: 'lock.destroyed', key: context.settings.key })
    }),
    notifyError: enqueueActions(({ context, event, enqueue, self }) => {
      const error = toError(errorOf(event) ?? context.renewError ?? leaseRanOut())
      notify(enqueue, self, { type: 'lock.error', key: context.settings.key, error })
    }),
    notifyInvalidWait: enqueueActions(({ context, event, enqueue, self }) => {
      const error = invalidWait(event)
      if (error !== undefined) notify(enqueue, self, { type: 'lock.error', key: context.settings.key, error })
    }),
    notifyConflict: enqueueActions(({ context, event, enqueue, self }) => {
      const flags = readOf(event).pair?.flags ?? 0n
      const error = new LockConflictError(context.settings.key, flags)
      notify(enqueue, self, { type: 'lock.error', key: context.settings.key, error })
    }),
    notifyInUse: enqueueActions(({ context, enqueue, self }) => {
      const error = new LockInUseError(context.settings.key)
      notify(enqueue, self, { type: 'lock.error', key: context.settings.key, error })
    }),
  },
  delays: {
    renewInterval: ({ context }) => renewIntervalMs(context.ttlMs),
    renewTimeout: ({ context }) => renewTimeoutMs(context.ttlMs),
    renewRetry: ({ context }) => renewRetryMs(context.ttlMs),
    leaseDeadline: ({ context }) => context.leaseMs,
    lockDelayBackoff: ({ context }) =>
      lockDelayBackoffMs(context.backoffAttempt, context.settings.retryTimeMs),
    monitorRetry: ({ context }) => context.settings.monitorRetryTimeMs,
    cleanupRetry: ({ context }) => cleanupRetryMs(context.cleanupRetries),
    tryBudget: ({ context }) => context.tryWaitMs,
  },
})

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
          guard: 'keyUnlocked',
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
