/**
 * The semaphore statechart: a Consul semaphore (Go's `api.Semaphore`, wire-compatible) as one
 * explicit XState v5 machine, with the lock's discipline and its shared states. Guards, actions
 * and delays are named after what they check or do and defined in `semaphore.setup.ts` (the
 * shared ones in `session-lifecycle.setup.ts`); actors in `actors/`.
 *
 * ```
 * idle ─ACQUIRE─▶ creatingSession ─▶ session (parallel)
 *   renewing:  as the lock's
 *   semaphore: pending: contending (our key <prefix>/<session>) → waiting (list the prefix)
 *                       ⇄ claiming (add us to <prefix>/.lock by check-and-set)
 *              held (parallel): monitoring (watching ⇄ retrying{pausing → rereading}) ∥ lease (sound ⇄ suspect)
 * held ─RELEASE─▶ releasing ─▶ idle      loss, error, cancel, timeout ─▶ abandoning ─▶ idle
 * idle ─DESTROY─▶ destroying ─▶ idle     (an ACQUIRE during a cleanup waits for idle)
 * ```
 *
 * Giving a slot back (`releasing`, `abandoning`): take us out of the record (by check-and-set,
 * reading it again when it changed), delete our contender key, destroy the session we created.
 */
import { and } from 'xstate'
import { initialContext, semaphoreSetup, sessionOf } from './semaphore.setup.js'
import type { SemaphoreContext } from './semaphore.types.js'
import { contenderKey, recordKey } from './semaphore-record.js'
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
  retriedOr,
  writeCancelled,
  writeInFlight,
} from './session-lifecycle.states.js'

const ABANDON_CONTENDER = '#semaphore.abandoning.deletingContender'

/** The check-and-set write of `recordWrite` (a claim, or a release) to the record. */
function recordWriteInput({ context }: { context: SemaphoreContext }) {
  return {
    key: recordKey(context.settings.prefix),
    value: context.recordWrite?.value ?? '',
    modifyIndex: context.recordWrite?.modifyIndex ?? 0n,
  }
}

/** Past a record step that failed for good: report it, and go on with the contender key. */
const ON_TO_CONTENDER = {
  target: 'deletingContender',
  actions: ['notifyError', 'resetCleanupRetries'],
} as const

/**
 * The cleanup shared by `releasing` and `abandoning`. Retryable failures are retried a few
 * times; then they are reported and the cleanup goes on: a holder whose contender key is gone
 * counts as dead (everyone prunes it), and an undestroyed session expires with its TTL.
 */
const giveSlotBack = semaphoreSetup.createStateConfig({
  initial: 'readingRecord',
  states: {
    readingRecord: {
      invoke: {
        id: 'readRecord',
        src: 'readRecord',
        input: ({ context }) => ({ key: recordKey(context.settings.prefix), index: 0n, consistent: false }),
        onDone: [
          { guard: 'recordListsUs', target: 'removingHolder', actions: 'recordRemoval' },
          { target: 'deletingContender', actions: 'resetCleanupRetries' },
        ],
        onError: retriedOr('retryingRead', ON_TO_CONTENDER),
      },
    },
    retryingRead: pauseThenRetry('readingRecord'),
    removingHolder: {
      invoke: {
        id: 'writeRecord',
        src: 'writeRecord',
        input: recordWriteInput,
        onDone: [
          { guard: 'recordWritten', target: 'deletingContender', actions: 'resetCleanupRetries' },
          // The record changed since it was read: read it again (Go's Release loop).
          { target: 'readingRecord' },
        ],
        onError: retriedOr('retryingRemoval', ON_TO_CONTENDER),
      },
    },
    // Whether the failed write was applied is unknown: read the record again.
    retryingRemoval: pauseThenRetry('readingRecord'),
    deletingContender: lastKeyStep(
      {
        id: 'deleteContender',
        src: 'deleteContender',
        input: ({ context }: { context: SemaphoreContext }) => ({
          key: contenderKey(context.settings.prefix, sessionOf(context)),
        }),
      },
      'retryingDelete',
    ),
    retryingDelete: pauseThenRetry('deletingContender'),
    ...DESTROY_SESSION_STEPS,
  },
})

const MONITORING = '#semaphore.session.semaphore.held.monitoring'

/**
 * The monitor's read of a held slot: a consistent blocking list of the prefix whose answer says
 * whether the record still lists us and our contender key still carries our session (Go's
 * `monitorLock`). Failures go to `onRetry` while retries are left.
 */
const watchSlot = (onRetry: string) =>
  semaphoreSetup.createStateConfig({
    invoke: {
      id: 'listPrefix',
      src: 'listPrefix',
      input: ({ context }) => ({
        prefix: context.settings.prefix,
        index: context.monitorIndex,
        consistent: true,
      }),
      onDone: [
        {
          guard: 'stillHolding',
          target: `${MONITORING}.watching`,
          reenter: true,
          actions: 'recordMonitorRead',
        },
        {
          guard: 'recordDeleted',
          target: '#semaphore.abandoning',
          actions: { type: 'notifyLost', params: { reason: 'key-deleted' } },
        },
        {
          guard: 'contenderKeyGone',
          target: '#semaphore.abandoning',
          actions: { type: 'notifyLost', params: { reason: 'session-invalidated' } },
        },
        // Rewritten without us, or into something that does not decode.
        { target: '#semaphore.abandoning', actions: { type: 'notifyLost', params: { reason: 'evicted' } } },
      ],
      onError: [
        { guard: 'canRetryMonitor', target: onRetry, actions: 'countMonitorFailure' },
        {
          target: '#semaphore.abandoning',
          actions: { type: 'notifyLost', params: { reason: 'monitor-failed' } },
        },
      ],
    },
  })

export const semaphoreMachine = semaphoreSetup.createMachine({
  id: 'semaphore',
  context: ({ input }) => initialContext(input),
  initial: 'idle',
  states: {
    idle: IDLE,

    creatingSession: CREATING_SESSION,

    session: {
      type: 'parallel',
      states: {
        renewing: renewingRegion('semaphore'),

        semaphore: {
          initial: 'pending',
          states: {
            pending: {
              after: { tryBudget: { guard: 'isTryOnce', actions: 'signalTryBudgetSpent' } },
              // Our contender key is written (the write states override these): delete it with
              // the rest.
              on: {
                RELEASE: { actions: 'cancelInstead' },
                CANCEL: ABANDON_CONTENDER,
                'semaphore.tryBudgetSpent': { target: ABANDON_CONTENDER, actions: 'notifyTimeout' },
                // Gone on the server, with its contender key: nothing to clean up. Start over
                // with a new session, unless trying once: a new session would restart the budget.
                'session.invalidated': [
                  { guard: 'isTryOnce', target: '#semaphore.idle', actions: 'notifyTimeout' },
                  { target: '#semaphore.creatingSession' },
                ],
                'session.expired': { target: ABANDON_CONTENDER, actions: 'notifyError' },
              },
              initial: 'contending',
              states: {
                contending: {
                  invoke: {
                    id: 'acquireContender',
                    src: 'acquireContender',
                    input: ({ context }) => ({
                      key: contenderKey(context.settings.prefix, sessionOf(context)),
                      session: sessionOf(context),
                      value: context.settings.value,
                    }),
                    onDone: [
                      { guard: and(['contendingCancelled', 'contenderWritten']), target: ABANDON_CONTENDER },
                      // Nothing written: only our own session to drop.
                      {
                        guard: and(['contendingCancelled', 'ownsSession']),
                        target: '#semaphore.abandoning.destroyingSession',
                      },
                      { guard: 'contendingCancelled', target: '#semaphore.idle' },
                      { guard: 'contenderWritten', target: 'waiting' },
                      {
                        guard: 'ownsSession',
                        target: '#semaphore.abandoning.destroyingSession',
                        actions: 'notifyContenderFailed',
                      },
                      { target: '#semaphore.idle', actions: 'notifyContenderFailed' },
                    ],
                    // Maybe written: delete it.
                    onError: [
                      { guard: 'contendingCancelled', target: ABANDON_CONTENDER },
                      { target: ABANDON_CONTENDER, actions: 'notifyError' },
                    ],
                  },
                  initial: 'inFlight',
                  states: {
                    inFlight: {
                      tags: 'pending',
                      on: {
                        CANCEL: 'cancelled',
                        'semaphore.tryBudgetSpent': { target: 'cancelled', actions: 'notifyTimeout' },
                        'session.expired': { target: 'cancelled', actions: 'notifyError' },
                      },
                    },
                    cancelled: writeCancelled('semaphore'),
                  },
                },
                waiting: {
                  tags: 'pending',
                  invoke: {
                    id: 'listPrefix',
                    src: 'listPrefix',
                    input: ({ context }) => ({
                      prefix: context.settings.prefix,
                      index: context.waitIndex,
                      waitMs: context.settings.semaphoreWaitTimeMs,
                      consistent: false,
                    }),
                    onDone: [
                      // A lock's record, one that does not decode, or another limit.
                      {
                        guard: 'refusesContender',
                        target: ABANDON_CONTENDER,
                        actions: 'notifyContenderRefused',
                      },
                      // Listed already, with our live contender key: the slot is ours (Consul #14118).
                      {
                        guard: 'holdsSlot',
                        target: '#semaphore.session.semaphore.held',
                        actions: 'recordReclaimed',
                      },
                      { guard: 'isFull', target: 'waiting', reenter: true, actions: 'recordWaitIndex' },
                      { target: 'claiming', actions: 'recordClaim' },
                    ],
                    onError: { target: ABANDON_CONTENDER, actions: 'notifyError' },
                  },
                },
                claiming: {
                  invoke: {
                    id: 'writeRecord',
                    src: 'writeRecord',
                    input: recordWriteInput,
                    onDone: [
                      // Maybe listed now: the cleanup reads the record and takes us out.
                      { guard: 'claimCancelled', target: '#semaphore.abandoning' },
                      {
                        guard: 'recordWritten',
                        target: '#semaphore.session.semaphore.held',
                        actions: 'recordClaimed',
                      },
                      { guard: 'isLastClaim', target: ABANDON_CONTENDER, actions: 'notifyTimeout' },
                      // The record changed since it was read: read it again at once.
                      { target: 'waiting', actions: 'readAtOnce' },
                    ],
                    onError: [
                      { guard: 'claimCancelled', target: '#semaphore.abandoning' },
                      { target: '#semaphore.abandoning', actions: 'notifyError' },
                    ],
                  },
                  ...writeInFlight('semaphore'),
                },
              },
            },

            held: {
              tags: 'held',
              type: 'parallel',
              entry: 'notifyAcquired',
              on: {
                RELEASE: '#semaphore.releasing',
                CANCEL: '#semaphore.releasing',
                'session.invalidated': {
                  target: '#semaphore.abandoning',
                  actions: { type: 'notifyLost', params: { reason: 'session-invalidated' } },
                },
                'session.expired': {
                  target: '#semaphore.abandoning',
                  actions: { type: 'notifyLost', params: { reason: 'renew-failed' } },
                },
              },
              states: {
                monitoring: monitoringRegion(MONITORING, watchSlot),
                lease: LEASE_REGION,
              },
            },
          },
        },
      },
    },

    // RELEASE, as Go's Release: the record, the contender key, then the session.
    releasing: {
      tags: 'releasing',
      on: QUEUE_ACQUIRE,
      ...giveSlotBack,
      onDone: { target: 'idle', actions: ['forgetLease', 'notifyReleased'] },
    },

    // After a loss, an error, a cancel or a timeout: give back whatever may still be ours.
    // Entered at `readingRecord` when the record may list us, at `deletingContender` when only
    // our contender key may exist, at `destroyingSession` when only a session we created is left.
    abandoning: {
      tags: 'releasing',
      on: QUEUE_ACQUIRE,
      ...giveSlotBack,
      onDone: { target: 'idle', actions: 'forgetLease' },
    },

    // DESTROY (Go's Semaphore.Destroy): delete the record only if no live session holds a slot.
    destroying: {
      tags: 'destroying',
      on: QUEUE_ACQUIRE,
      initial: 'listing',
      states: {
        listing: {
          invoke: {
            id: 'listPrefix',
            src: 'listPrefix',
            input: ({ context }) => ({ prefix: context.settings.prefix, index: 0n, consistent: false }),
            onDone: [
              { guard: 'recordAbsent', target: 'done' },
              { guard: 'refusesDestroy', target: '#semaphore.idle', actions: 'notifyDestroyRefused' },
              { guard: 'slotsHeld', target: '#semaphore.idle', actions: 'notifyInUse' },
              { target: 'deleting', actions: 'recordFreeRecord' },
            ],
            onError: { target: '#semaphore.idle', actions: 'notifyError' },
          },
        },
        deleting: {
          invoke: {
            id: 'deleteRecord',
            src: 'deleteRecord',
            input: ({ context }) => ({
              key: recordKey(context.settings.prefix),
              modifyIndex: context.freeAtIndex ?? 0n,
            }),
            onDone: [
              { guard: 'deleted', target: 'done' },
              { target: '#semaphore.idle', actions: 'notifyInUse' },
            ],
            onError: { target: '#semaphore.idle', actions: 'notifyError' },
          },
        },
        done: { type: 'final' },
      },
      onDone: { target: 'idle', actions: 'notifyDestroyed' },
    },
  },
})
