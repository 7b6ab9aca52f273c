/**
 * The lock machine's typed setup: its context, events and tags, and the named guards, actions
 * and delays the chart in `lock.machine.ts` refers to (those it shares with the semaphore come
 * from `session-lifecycle.setup.ts`). The actors are the unbound placeholders
 * `createLockMachine(consul)` replaces.
 */
import { assign, enqueueActions, setup, stateIn } from 'xstate'
import { LockConflictError, LockInUseError } from '../src/errors.js'
import { type AcquireOutcome, isSessionRejection } from './actors/acquire-key.js'
import { createLockActors } from './actors/index.js'
import { UNBOUND_CLIENT } from './actors/lock-client.js'
import type { KeyRead } from './actors/read-key.js'
import { LOCK_FLAG_VALUE } from './flags.js'
import { type LockOptions, type LockSettings, resolveLockOptions } from './lock.options.js'
import { lockDelayBackoffMs } from './lock.timing.js'
import type { LockContext, LockEvent, LockNotification, LockTag } from './lock.types.js'
import { errorOf, notify, outputOf } from './machine-events.js'
import { initialSessionContext, sessionImplementations, sessionOf } from './session-lifecycle.setup.js'

export { sessionOf }

/** The lock's own fields of the context an acquire attempt starts from. */
function freshAttempt(_settings: LockSettings) {
  return { freeAtIndex: null, backoffAttempt: 0 } satisfies Partial<LockContext>
}

/** The context a lock starts with, from its validated options. */
export function initialContext(options: LockOptions): LockContext {
  const settings = resolveLockOptions(options)
  return { settings, ...initialSessionContext(settings, settings.lockWaitTimeMs), ...freshAttempt(settings) }
}

/** The key as a read found it. */
const readOf = (event: LockEvent) => outputOf<KeyRead>(event)

const shared = sessionImplementations<LockContext, LockEvent, LockNotification>({
  id: 'lock',
  subject: (context) => ({ key: context.settings.key }),
  freshAttempt,
  attemptDefaults: (settings) => ({ tryOnce: settings.lockTryOnce, waitMs: settings.lockWaitTimeMs }),
  inUse: (context) => new LockInUseError(context.settings.key),
})

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
    ...shared.guards,
    acquireCancelled: stateIn('#lock.session.lock.pending.acquiring.cancelled'),
    isLastAttempt: stateIn('#lock.session.lock.pending.acquiring.lastAttempt'),
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
    sessionRejected: ({ event }) => isSessionRejection(errorOf(event)),
  },
  actions: {
    ...shared.actions,
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
    notifyAcquired: enqueueActions(({ context, enqueue, self }) => {
      if (context.lease === null) return
      notify<LockNotification>(enqueue, self, {
        type: 'lock.acquired',
        key: context.settings.key,
        session: sessionOf(context),
        lockIndex: context.lease.lockIndex,
        modifyIndex: context.lease.modifyIndex,
      })
    }),
    notifyConflict: shared.notifyErrorOf(
      ({ context, event }) => new LockConflictError(context.settings.key, readOf(event).pair?.flags ?? 0n),
    ),
  },
  delays: {
    ...shared.delays,
    lockDelayBackoff: ({ context }) =>
      lockDelayBackoffMs(context.backoffAttempt, context.settings.retryTimeMs),
  },
})
