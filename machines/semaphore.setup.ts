/**
 * The semaphore machine's typed setup: its context, events and tags, and the named guards,
 * actions and delays the chart in `semaphore.machine.ts` refers to (those it shares with the lock
 * come from `session-lifecycle.setup.ts`). The actors are the unbound placeholders
 * `createSemaphoreMachine(consul)` replaces.
 */
import { assign, enqueueActions, setup, stateIn } from 'xstate'
import {
  ConsulLockMachineError,
  SemaphoreConflictError,
  SemaphoreInUseError,
  SemaphoreLimitError,
} from '../src/errors.js'
import { createSemaphoreActors } from './actors/index.js'
import type { PrefixListing } from './actors/list-prefix.js'
import { UNBOUND_CLIENT } from './actors/lock-client.js'
import type { KeyRead } from './actors/read-key.js'
import { notify, outputOf } from './machine-events.js'
import { resolveSemaphoreOptions, type SemaphoreOptions } from './semaphore.options.js'
import type {
  SemaphoreContext,
  SemaphoreEvent,
  SemaphoreNotification,
  SemaphoreTag,
} from './semaphore.types.js'
import { type ContenderView, viewAsContender, viewAsDestroyer, viewAsHolder } from './semaphore-listing.js'
import { decodeRecord, encodeRecord, findRecord, withoutHolder } from './semaphore-record.js'
import { initialSessionContext, sessionImplementations, sessionOf } from './session-lifecycle.setup.js'

export { sessionOf }

/** The semaphore's own fields of the context an acquire attempt starts from. */
function freshAttempt() {
  return { recordWrite: null, freeAtIndex: null } satisfies Partial<SemaphoreContext>
}

/** The context a semaphore starts with, from its validated options. */
export function initialContext(options: SemaphoreOptions): SemaphoreContext {
  const settings = resolveSemaphoreOptions(options)
  return { settings, ...initialSessionContext(settings, settings.semaphoreWaitTimeMs), ...freshAttempt() }
}

type Args = { context: SemaphoreContext; event: SemaphoreEvent }

/** The listing of the prefix an actor answered with. */
const listingOf = (event: SemaphoreEvent) => outputOf<PrefixListing>(event).pairs

/** What this contender makes of the listing being handled. */
function contenderView({ context, event }: Args): ContenderView {
  const { prefix, limit } = context.settings
  return viewAsContender(listingOf(event), { prefix, limit, session: sessionOf(context) })
}

const holderView = ({ context, event }: Args) =>
  viewAsHolder(listingOf(event), { prefix: context.settings.prefix, session: sessionOf(context) })

const destroyerView = ({ context, event }: Args) => viewAsDestroyer(listingOf(event), context.settings.prefix)

/** The record a release read, decoded (`null` if it does not decode: nothing to take us out of). */
function recordReadBy({ context, event }: Args) {
  const { pair } = outputOf<KeyRead>(event)
  if (pair === null) return null
  try {
    return { record: decodeRecord(pair, context.settings.limit), modifyIndex: pair.modifyIndex }
  } catch {
    return null
  }
}

/** Why a listing stops this contender (or a DESTROY): a conflict, a bad record, another limit. */
function refusalOf(view: ContenderView | ReturnType<typeof viewAsDestroyer>, context: SemaphoreContext) {
  const { prefix, limit } = context.settings
  switch (view.kind) {
    case 'conflict':
      return new SemaphoreConflictError(prefix, view.flags)
    case 'undecodable':
      return view.error
    case 'limit-mismatch':
      return new SemaphoreLimitError(prefix, view.recordLimit, limit)
    default:
      return undefined
  }
}

const shared = sessionImplementations<SemaphoreContext, SemaphoreEvent, SemaphoreNotification>({
  id: 'semaphore',
  subject: (context) => ({ prefix: context.settings.prefix }),
  freshAttempt,
  attemptDefaults: (settings) => ({
    tryOnce: settings.semaphoreTryOnce,
    waitMs: settings.semaphoreWaitTimeMs,
  }),
  inUse: (context) => new SemaphoreInUseError(context.settings.prefix),
})

export const semaphoreSetup = setup({
  types: {
    context: {} as SemaphoreContext,
    input: {} as SemaphoreOptions,
    events: {} as SemaphoreEvent,
    emitted: {} as SemaphoreNotification,
    tags: {} as SemaphoreTag,
  },
  actors: createSemaphoreActors(UNBOUND_CLIENT),
  guards: {
    ...shared.guards,
    contendingCancelled: stateIn('#semaphore.session.semaphore.pending.contending.cancelled'),
    claimCancelled: stateIn('#semaphore.session.semaphore.pending.claiming.cancelled'),
    isLastClaim: stateIn('#semaphore.session.semaphore.pending.claiming.lastAttempt'),
    contenderWritten: ({ event }) => outputOf<boolean>(event),
    recordWritten: ({ event }) => outputOf<boolean>(event),
    refusesContender: (args) => refusalOf(contenderView(args), args.context) !== undefined,
    holdsSlot: (args) => contenderView(args).kind === 'holding',
    isFull: (args) => contenderView(args).kind === 'full',
    stillHolding: (args) => holderView(args) === 'holding',
    recordDeleted: (args) => holderView(args) === 'key-deleted',
    contenderKeyGone: (args) => holderView(args) === 'session-invalidated',
    recordListsUs: (args) => recordReadBy(args)?.record.holders.includes(sessionOf(args.context)) ?? false,
    recordAbsent: (args) => destroyerView(args).kind === 'absent',
    refusesDestroy: (args) => refusalOf(destroyerView(args), args.context) !== undefined,
    slotsHeld: (args) => destroyerView(args).kind === 'in-use',
  },
  actions: {
    ...shared.actions,
    readAtOnce: assign({ waitIndex: 0n }),
    recordClaim: assign((args) => {
      const view = contenderView(args)
      if (view.kind !== 'free') return {}
      const { record, modifyIndex } = view
      return { recordWrite: { value: encodeRecord(record), modifyIndex, holders: record.holders } }
    }),
    // The monitor reads at once: its first consistent read confirms our write.
    recordClaimed: assign(({ context }) => ({
      lease: { holders: context.recordWrite?.holders ?? [] },
      recordWrite: null,
      monitorIndex: 0n,
      monitorFailures: 0,
    })),
    recordReclaimed: assign((args) => {
      const view = contenderView(args)
      if (view.kind !== 'holding') return {}
      return {
        lease: { holders: view.holders },
        monitorIndex: outputOf<PrefixListing>(args.event).index,
        monitorFailures: 0,
      }
    }),
    recordRemoval: assign((args) => {
      const read = recordReadBy(args)
      if (read === null) return {}
      const record = withoutHolder(read.record, sessionOf(args.context))
      return {
        recordWrite: { value: encodeRecord(record), modifyIndex: read.modifyIndex, holders: record.holders },
      }
    }),
    recordFreeRecord: assign({
      freeAtIndex: ({ context, event }) => findRecord(listingOf(event), context.settings.prefix).modifyIndex,
    }),
    notifyAcquired: enqueueActions(({ context, enqueue, self }) => {
      if (context.lease === null) return
      notify<SemaphoreNotification>(enqueue, self, {
        type: 'semaphore.acquired',
        prefix: context.settings.prefix,
        session: sessionOf(context),
        limit: context.settings.limit,
        holders: context.lease.holders,
      })
    }),
    notifyContenderRefused: shared.notifyErrorOf((args) => refusalOf(contenderView(args), args.context)),
    notifyDestroyRefused: shared.notifyErrorOf((args) => refusalOf(destroyerView(args), args.context)),
    // Go's `failed to make contender entry`: Consul answered false to the acquire.
    notifyContenderFailed: shared.notifyErrorOf(
      () => new ConsulLockMachineError('ESEMCONTENDER', 'failed to make contender entry'),
    ),
  },
  delays: shared.delays,
})
