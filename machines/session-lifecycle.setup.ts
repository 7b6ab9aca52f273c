/**
 * The guards, actions and delays the lock and the semaphore machines share (see
 * `session-lifecycle.types.ts`), built for one machine by `sessionImplementations(spec)` and
 * spread into its `setup()`. The states that use them are in `session-lifecycle.states.ts`.
 */
import { assertEvent, assign, type EventObject, enqueueActions, raise, stateIn } from 'xstate'
import { nextWaitIndex } from '../src/consul/blocking.js'
import { ConsulLockMachineError, InvalidOptionError, isRetryable } from '../src/errors.js'
import type { CreatedSession } from './actors/create-session.js'
import type { RenewedSession } from './actors/renew-session.js'
import { tryWaitMs } from './lock.options.js'
import {
  CLEANUP_RETRIES,
  cleanupRetryMs,
  leaseRemainingMs,
  renewIntervalMs,
  renewRetryMs,
  renewTimeoutMs,
} from './lock.timing.js'
import { errorOf, notify, outputOf, toError } from './machine-events.js'
import type { AcquireRequest, SessionContext, SessionSignal } from './session-lifecycle.types.js'

/** What sets one machine apart, for the shared implementations. */
export interface SessionMachineSpec<TContext extends SessionContext> {
  /** The machine's id, which is also the topic of its notifications (`lock.lost`, …). */
  readonly id: 'lock' | 'semaphore'
  /** What every notification names (`{ key }` for a lock, `{ prefix }` for a semaphore). */
  subject(context: TContext): Record<string, string>
  /** The machine's own fields of the context an ACQUIRE starts from. */
  freshAttempt(settings: TContext['settings']): Partial<TContext>
  /** What an ACQUIRE without `tryOnce` and `wait` uses. */
  attemptDefaults(settings: TContext['settings']): { tryOnce: boolean; waitMs: number }
  /** The error of a DESTROY that found the resource in use. */
  inUse(context: TContext): Error
}

/** The notifications both machines send, by their name after the topic. */
type NoticeName = 'suspect' | 'lost' | 'released' | 'timeout' | 'destroyed' | 'error'

/** The reasons a machine's `<topic>.lost` notification can carry. */
type LostReasonOf<TEmitted> = TEmitted extends { type: `${string}.lost`; reason: infer R } ? R : never

/** The shared fields of the context an ACQUIRE starts from. */
export function freshSessionAttempt(settings: SessionContext['settings']) {
  return {
    session: settings.session,
    ownsSession: false,
    ttlMs: settings.sessionTTLMs,
    leaseMs: settings.sessionTTLMs,
    renewError: undefined,
    waitIndex: 0n,
    monitorIndex: 0n,
    monitorFailures: 0,
    cleanupRetries: 0,
    lease: null,
  } satisfies Partial<SessionContext>
}

/** The shared fields of a machine's first context: idle, no session, nothing queued. */
export function initialSessionContext(settings: SessionContext['settings'], waitMs: number) {
  return {
    ...freshSessionAttempt(settings),
    session: null,
    tryOnce: false,
    tryWaitMs: waitMs,
    queuedAcquire: null,
  } satisfies Partial<SessionContext>
}

export function sessionOf(context: { session: string | null }): string {
  if (context.session === null) throw new Error('no session in this state')
  return context.session
}

/** Why `session.expired` fires when no renew has failed yet: the lease ran out first. */
function leaseRanOut(): Error {
  return new ConsulLockMachineError(
    'ESESSIONEXPIRED',
    'The session lease ran out before it could be renewed (the session create took nearly a TTL)',
  )
}

/** The error of an ACQUIRE whose `wait` is not a positive duration (events are not type-checked at runtime). */
function invalidWait(event: EventObject): InvalidOptionError | undefined {
  if (event.type !== 'ACQUIRE') return undefined
  const { wait } = event as { wait?: unknown }
  if (wait === undefined) return undefined
  try {
    tryWaitMs(wait as number)
    return undefined
  } catch (error) {
    if (error instanceof InvalidOptionError) return error
    throw error
  }
}

/**
 * The guards, actions and delays of `spec`'s machine that work on `SessionContext` alone.
 * `TEvent` must include `SessionSignal`, `CANCEL`, `ACQUIRE` and `<id>.tryBudgetSpent`, and
 * `TEmitted` the `<id>.suspect|lost|released|timeout|destroyed|error` notifications with the
 * fields of `spec.subject`: the two places below that build them from names rely on it.
 */
export function sessionImplementations<
  TContext extends SessionContext,
  TEvent extends EventObject,
  TEmitted extends EventObject,
>(spec: SessionMachineSpec<TContext>) {
  type Args = { context: TContext; event: TEvent }
  const signal = (event: SessionSignal | { type: `${typeof spec.id}.tryBudgetSpent` } | { type: 'CANCEL' }) =>
    event as unknown as TEvent
  const notice = (context: TContext, name: NoticeName, fields: object = {}) =>
    ({ type: `${spec.id}.${name}`, ...spec.subject(context), ...fields }) as unknown as TEmitted
  // Shared updates only touch SessionContext fields, whose types every TContext keeps; TS cannot
  // see that a Partial<SessionContext> fits Partial<TContext>, so it is said once, here.
  const update = (change: (args: Args) => Partial<SessionContext>) =>
    assign<TContext, TEvent, undefined, TEvent, never>((args) => change(args) as Partial<TContext>)
  /** Several steps in one action, in order (`enqueueActions` for this machine's types). */
  const sequence = enqueueActions<TContext, TEvent, undefined, TEvent, never, never, never, never, never>
  const raiseSignal = (event: Parameters<typeof signal>[0]) =>
    raise<TContext, TEvent, TEvent, undefined, never, never>(signal(event))
  const notifying = <TParams extends object | undefined = undefined>(
    build: (args: Args, params: TParams) => TEmitted | undefined,
  ) =>
    enqueueActions<TContext, TEvent, TParams, TEvent, never, never, never, never, TEmitted>(
      ({ context, event, enqueue, self }, params) => {
        const notification = build({ context, event }, params)
        if (notification !== undefined) notify(enqueue, self, notification)
      },
    )

  /** An action that reports `errorFor(args)` as `<id>.error`, if there is one. */
  const notifyErrorOf = (errorFor: (args: Args) => Error | undefined) =>
    notifying(({ context, event }) => {
      const error = errorFor({ context, event })
      return error === undefined ? undefined : notice(context, 'error', { error })
    })

  const guards = {
    usesCallerSession: ({ context }: Args) => context.settings.session !== null,
    hasInvalidWait: ({ event }: Args) => invalidWait(event) !== undefined,
    ownsSession: ({ context }: Args) => context.ownsSession,
    renewalFailing: ({ context }: Args) => context.renewError !== undefined,
    createdSessionHasTTL: ({ context }: Args) => context.settings.sessionTTLMs > 0,
    sessionHasNoTTL: ({ event }: Args) => outputOf<RenewedSession | null>(event)?.ttlMs === 0,
    sessionGone: ({ event }: Args) => outputOf<RenewedSession | null>(event) === null,
    creationCancelled: stateIn(`#${spec.id}.creatingSession.cancelled`),
    isTryOnce: ({ context }: Args) => context.tryOnce,
    deleted: ({ event }: Args) => outputOf<boolean>(event),
    canRetryCleanup: ({ context, event }: Args) =>
      context.cleanupRetries < CLEANUP_RETRIES && isRetryable(errorOf(event)),
    canRetryMonitor: ({ context, event }: Args) =>
      context.monitorFailures < context.settings.monitorRetries && isRetryable(errorOf(event)),
  }

  const actions = {
    startAttempt: assign<TContext, TEvent, undefined, TEvent, never>(({ context, event }) => {
      assertEvent(event, 'ACQUIRE')
      const { tryOnce, wait } = event as AcquireRequest
      const defaults = spec.attemptDefaults(context.settings)
      return {
        ...freshSessionAttempt(context.settings),
        ...spec.freshAttempt(context.settings),
        tryOnce: tryOnce ?? defaults.tryOnce,
        tryWaitMs: wait === undefined ? defaults.waitMs : tryWaitMs(wait),
      } as Partial<TContext>
    }),
    queueAcquire: update(({ event }) => {
      assertEvent(event, 'ACQUIRE')
      const { type: _, ...request } = event as { type: 'ACQUIRE' } & AcquireRequest
      return { queuedAcquire: request }
    }),
    dropQueuedAcquire: update(() => ({ queuedAcquire: null })),
    startQueuedAcquire: sequence(({ context, enqueue }) => {
      if (context.queuedAcquire === null) return
      enqueue.assign(() => ({ queuedAcquire: null }) as Partial<TContext>)
      enqueue.raise({ type: 'ACQUIRE', ...context.queuedAcquire } as unknown as TEvent)
    }),
    rememberSession: update(({ context, event }) => {
      const created = outputOf<CreatedSession>(event)
      return {
        session: created.id,
        ownsSession: true,
        leaseMs: leaseRemainingMs(context.ttlMs, created.elapsedMs),
        renewError: undefined,
        tryWaitMs: Math.max(0, context.tryWaitMs - created.elapsedMs),
      }
    }),
    adoptLease: update(({ event }) => {
      const renewed = outputOf<RenewedSession | null>(event)
      if (renewed === null) return {}
      return {
        ttlMs: renewed.ttlMs,
        leaseMs: leaseRemainingMs(renewed.ttlMs, renewed.elapsedMs),
        renewError: undefined,
      }
    }),
    signalRenewed: raiseSignal({ type: 'session.renewed' }),
    signalRenewFailed: sequence(({ event, enqueue }) => {
      const error = errorOf(event) ?? new Error('session renew timed out')
      enqueue.assign(() => ({ renewError: error }) as Partial<TContext>)
      enqueue.raise(signal({ type: 'session.renewFailed', error }))
    }),
    signalSessionExpired: raiseSignal({ type: 'session.expired' }),
    signalSessionInvalidated: raiseSignal({ type: 'session.invalidated' }),
    signalTryBudgetSpent: raiseSignal({ type: `${spec.id}.tryBudgetSpent` }),
    cancelInstead: raiseSignal({ type: 'CANCEL' }),
    recordWaitIndex: update(({ context, event }) => ({
      waitIndex: nextWaitIndex(context.waitIndex, outputOf<{ index: bigint }>(event).index),
    })),
    recordMonitorRead: update(({ event }) => ({
      monitorIndex: outputOf<{ index: bigint }>(event).index,
      monitorFailures: 0,
    })),
    countMonitorFailure: update(({ context }) => ({
      monitorIndex: 0n,
      monitorFailures: context.monitorFailures + 1,
    })),
    countCleanupRetry: update(({ context }) => ({ cleanupRetries: context.cleanupRetries + 1 })),
    resetCleanupRetries: update(() => ({ cleanupRetries: 0 })),
    forgetLease: update(() => ({ lease: null, session: null, ownsSession: false })),
    notifyRenewSuspect: notifying(({ context }) =>
      notice(context, 'suspect', { cause: 'renew-failed', error: context.renewError }),
    ),
    notifyMonitorSuspect: notifying(({ context, event }) =>
      notice(context, 'suspect', { cause: 'monitor-failed', error: errorOf(event) }),
    ),
    notifyLost: notifying<{ reason: LostReasonOf<TEmitted> }>(({ context }, { reason }) =>
      notice(context, 'lost', { reason }),
    ),
    notifyReleased: notifying(({ context }) => notice(context, 'released')),
    notifyTimeout: notifying(({ context }) => notice(context, 'timeout')),
    notifyDestroyed: notifying(({ context }) => notice(context, 'destroyed')),
    notifyError: notifyErrorOf(({ context, event }) =>
      toError(errorOf(event) ?? context.renewError ?? leaseRanOut()),
    ),
    notifyInvalidWait: notifyErrorOf(({ event }) => invalidWait(event)),
    notifyInUse: notifyErrorOf(({ context }) => spec.inUse(context)),
  }

  const delays = {
    renewInterval: ({ context }: Args) => renewIntervalMs(context.ttlMs),
    renewTimeout: ({ context }: Args) => renewTimeoutMs(context.ttlMs),
    renewRetry: ({ context }: Args) => renewRetryMs(context.ttlMs),
    leaseDeadline: ({ context }: Args) => context.leaseMs,
    monitorRetry: ({ context }: Args) => context.settings.monitorRetryTimeMs,
    cleanupRetry: ({ context }: Args) => cleanupRetryMs(context.cleanupRetries),
    tryBudget: ({ context }: Args) => context.tryWaitMs,
  }

  return { guards, actions, delays, notifyErrorOf }
}
