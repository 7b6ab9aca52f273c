/**
 * The states the lock and the semaphore charts share, as plain configs that name the shared
 * guards, actions and delays of `session-lifecycle.setup.ts`. Each machine places them in its
 * own tree (`lock.machine.ts`, `semaphore.machine.ts`); the ones that target states by id take
 * the machine's id.
 */
import { sessionOf } from './session-lifecycle.setup.js'
import type { SessionContext } from './session-lifecycle.types.js'

type MachineId = 'lock' | 'semaphore'

/** While cleaning up, an ACQUIRE waits for idle; a CANCEL or RELEASE withdraws it. */
export const QUEUE_ACQUIRE = {
  ACQUIRE: { actions: 'queueAcquire' },
  CANCEL: { actions: 'dropQueuedAcquire' },
  RELEASE: { actions: 'dropQueuedAcquire' },
} as const

/** `idle`: an ACQUIRE starts an attempt (with the caller's session, or a new one); DESTROY destroys. */
export const IDLE = {
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
} as const

/** `creatingSession`: the create of our own session, never aborted once sent. */
export const CREATING_SESSION = {
  // RELEASE and CANCEL both mean "give it up", whatever the stage.
  on: { RELEASE: { actions: 'cancelInstead' } },
  invoke: {
    id: 'createSession',
    src: 'createSession',
    input: ({ context }: { context: SessionContext }) => ({
      sessionOptions: context.settings.sessionOptions,
    }),
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
} as const

/**
 * The renewal region of `session`, beside the whole lifecycle, not only `held`: a session
 * waiting for a busy resource must be kept alive too (Go's renewer runs from session creation
 * on). It raises `session.renewed` / `session.renewFailed` / `session.expired` (the local lease
 * deadline passed) / `session.invalidated` (the server no longer knows the session).
 */
export function renewingRegion<TId extends MachineId>(id: TId) {
  const renewing = `#${id}.session.renewing` as const
  return {
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
              input: ({ context }: { context: SessionContext }) => ({ session: sessionOf(context) }),
              onDone: [
                { guard: 'sessionGone', target: `${renewing}.invalidated` },
                {
                  guard: 'sessionHasNoTTL',
                  target: `${renewing}.unmanaged`,
                  actions: ['adoptLease', 'signalRenewed'],
                },
                {
                  target: `${renewing}.keepingAlive`,
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
  } as const
}

/**
 * The `monitoring` region of `held`: `watch(onRetry)` is the machine's read of what it holds,
 * going to `onRetry` after a failure while retries are left. Suspect from the first failed read
 * until a read succeeds again.
 */
export function monitoringRegion<TWatch>(monitoring: string, watch: (onRetry: string) => TWatch) {
  return {
    initial: 'watching',
    states: {
      watching: watch(`${monitoring}.retrying`),
      retrying: {
        tags: 'suspect',
        entry: 'notifyMonitorSuspect',
        initial: 'pausing',
        states: {
          pausing: { after: { monitorRetry: 'rereading' } },
          rereading: watch(`${monitoring}.retrying.pausing`),
        },
      },
    },
  } as const
}

/** The `lease` region of `held`: sound ⇄ suspect as renewals fail and recover. */
export const LEASE_REGION = {
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
} as const

/** `{ [key]: value }`, typed with the key itself rather than an index signature. */
function entry<const TKey extends string, const TValue>(key: TKey, value: TValue) {
  return { [key]: value } as { [K in TKey]: TValue }
}

/** The try-once budget's end, as the machine `id` raises it. */
const budgetSpent = <TId extends MachineId>(id: TId) => `${id}.tryBudgetSpent` as const

/**
 * A write in flight that a CANCEL must not abort (it may be applied anyway, so its answer
 * decides what there is to clean up): only the write's answer may end this state, nothing may
 * reach `pending` meanwhile.
 */
export function writeCancelled<TId extends MachineId>(id: TId) {
  return {
    tags: 'releasing',
    on: { ...QUEUE_ACQUIRE, ...entry(budgetSpent(id), {}), 'session.invalidated': {}, 'session.expired': {} },
  } as const
}

/**
 * The substates of a write that may win what the machine waits for (the lock's acquire, the
 * semaphore's claim): `inFlight`, `lastAttempt` once the try-once budget is spent (a success
 * still counts), `cancelled` after a CANCEL or the end of the lease.
 */
export function writeInFlight<TId extends MachineId>(id: TId) {
  const cancelOrLeaseEnd = {
    CANCEL: 'cancelled',
    'session.expired': { target: 'cancelled', actions: 'notifyError' },
  } as const
  return {
    initial: 'inFlight',
    states: {
      inFlight: { tags: 'pending', on: { ...cancelOrLeaseEnd, ...entry(budgetSpent(id), 'lastAttempt') } },
      lastAttempt: { tags: 'pending', on: cancelOrLeaseEnd },
      cancelled: writeCancelled(id),
    },
  } as const
}

/** The pause before a failed cleanup step is sent again. */
export function pauseThenRetry<TStep extends string>(step: TStep) {
  return { after: { cleanupRetry: { target: step, actions: 'countCleanupRetry' } } } as const
}

/** A failed cleanup step: sent again after a pause while retries are left, else `giveUp`. */
export function retriedOr<const TGiveUp extends readonly object[]>(retry: string, ...giveUp: TGiveUp) {
  return [{ guard: 'canRetryCleanup', target: retry }, ...giveUp] as const
}

/**
 * How a cleanup goes on once its key steps are over: to destroying the session we created, or
 * to its end; `actions` run either way.
 */
function thenDestroyOwnSession<const TActions extends readonly string[]>(actions: TActions) {
  return [
    { guard: 'ownsSession', target: 'destroyingSession', actions: [...actions, 'resetCleanupRetries'] },
    { target: 'done', actions },
  ] as const
}

/**
 * The last key step of a cleanup (`invoke`: the lock's key release, the semaphore's contender
 * delete), retried through the state `retry`; then, whatever its outcome (a failure is
 * reported), on to destroying our own session.
 */
export function lastKeyStep<const TInvoke extends object>(invoke: TInvoke, retry: string) {
  return {
    invoke: {
      ...invoke,
      onDone: thenDestroyOwnSession([]),
      onError: retriedOr(retry, ...thenDestroyOwnSession(['notifyError'])),
    },
  } as const
}

/**
 * The last steps of every cleanup: destroy the session we created (retrying retryable failures
 * a few times, then reporting and going on: an undestroyed session expires with its TTL), and
 * the final `done`.
 */
export const DESTROY_SESSION_STEPS = {
  destroyingSession: {
    invoke: {
      id: 'destroySession',
      src: 'destroySession',
      input: ({ context }: { context: SessionContext }) => ({ session: sessionOf(context) }),
      onDone: 'done',
      onError: retriedOr('retryingDestroy', { target: 'done', actions: 'notifyError' }),
    },
  },
  retryingDestroy: pauseThenRetry('destroyingSession'),
  done: { type: 'final' },
} as const
