/**
 * The lock machine's typed setup: its context, events and tags, and the named guards, actions
 * and delays the chart in `lock.machine.ts` refers to. The actors are the unbound placeholders
 * `createLockMachine(consul)` replaces.
 */
import { type AnyActorRef, assertEvent, assign, enqueueActions, raise, setup, stateIn } from 'xstate'
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

/** The context a lock starts with, from its validated options. */
export function initialContext(options: LockOptions): LockContext {
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

export function sessionOf(context: LockContext): string {
  if (context.session === null) throw new Error('lock machine: no session in this state')
  return context.session
}

export const lockSetup = setup({
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
