/**
 * The events the semaphore model is driven with: commands, and one answer per Consul outcome
 * that makes the machine's guards branch (labelled, see `events.ts`). Listings of the prefix
 * come in every shape the record can have: none yet, a free slot, full, already ours (a
 * restarted process reclaiming its slot), our contender key gone, holders that died, a lock's
 * flags, another limit, and a value that is not Go's JSON.
 */
import type { PrefixListing } from '../../../machines/actors/list-prefix.js'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import type { KVPair } from '../../../src/consul/types.js'
import { contenderPair, recordPair } from '../../support/semaphore-harness.js'
import { done, type EventVariants, failuresOf, labelled, sessionMachineVariants } from './events.js'

/** The session id every fake `createSession` answers with. */
export const CREATED_SESSION = 'sess-1'
/** Sessions of other contenders holding slots. */
export const OTHER_SESSION = 'other-session'
export const THIRD_SESSION = 'third-session'

/** The ModifyIndex of the record in every listing and read (what a check-and-set write names). */
export const RECORD_INDEX = 7n

/** The `.lock` record listing `holders`, at `RECORD_INDEX`. */
const record = (holders: string[], fields: Partial<KVPair> & { limit?: number } = {}) =>
  recordPair(holders, { modifyIndex: RECORD_INDEX, ...fields })

/** A listing of the prefix answered at `index`, with its keys sorted as Consul sorts them. */
const listing = (label: string, index: bigint, pairs: KVPair[]) =>
  done('listPrefix', label, {
    pairs: [...pairs].sort((a, b) => a.key.localeCompare(b.key)),
    index,
  } satisfies PrefixListing)

/**
 * The event variants per event type, for a semaphore whose session is `session` (the created
 * one, or the caller's).
 */
export function eventVariants(session: string): EventVariants {
  const ours = contenderPair(session)
  const [other, third] = [contenderPair(OTHER_SESSION), contenderPair(THIRD_SESSION)]
  const commands = sessionMachineVariants(CREATED_SESSION)
  // An ACQUIRE whose `wait` is no duration is refused where it is handled (events are not typed at runtime).
  commands.ACQUIRE = [...(commands.ACQUIRE ?? []), labelled('invalid wait', { type: 'ACQUIRE', wait: 0 })]
  return {
    ...commands,
    'xstate.done.actor.acquireContender': [
      done('acquireContender', 'entered', true),
      done('acquireContender', 'refused', false),
    ],
    'xstate.done.actor.listPrefix': [
      // Missing: a contender creates it (check-and-set at 0); a holder lost it; nothing to destroy.
      listing('no record', 11n, [ours]),
      listing('free', 12n, [record([OTHER_SESSION]), ours, other]),
      listing('full', 13n, [record([OTHER_SESSION, THIRD_SESSION]), ours, other, third]),
      // The record lists our session and our contender key carries it: the slot is ours.
      listing('ours', 14n, [record([OTHER_SESSION, session]), ours, other]),
      // Our key is gone (its session ended): a holder lost it; a contender sees a free slot.
      listing('our key gone', 15n, [record([OTHER_SESSION, session]), other]),
      // The holders' keys are gone: pruned, their slots are free (and nobody alive holds one).
      listing('holders dead', 16n, [record([OTHER_SESSION, THIRD_SESSION]), ours]),
      listing('lock flags', 17n, [record([OTHER_SESSION], { flags: LOCK_FLAG_VALUE }), ours]),
      listing('limit 3', 18n, [record([OTHER_SESSION], { limit: 3 }), ours, other]),
      listing('undecodable', 19n, [record([], { value: Buffer.from('{"Limit":') }), ours]),
    ],
    'xstate.done.actor.writeRecord': [
      done('writeRecord', 'written', true),
      done('writeRecord', 'changed meanwhile', false),
    ],
    'xstate.done.actor.readRecord': [
      done('readRecord', 'lists us', { pair: record([OTHER_SESSION, session]), index: 21n }),
      done('readRecord', 'without us', { pair: record([OTHER_SESSION]), index: 22n }),
      done('readRecord', 'missing', { pair: null, index: 23n }),
    ],
    'xstate.done.actor.deleteContender': [done('deleteContender', 'deleted', undefined)],
    'xstate.done.actor.deleteRecord': [
      done('deleteRecord', 'deleted', true),
      done('deleteRecord', 'changed meanwhile', false),
    ],
    ...failuresOf([
      'acquireContender',
      'listPrefix',
      'writeRecord',
      'readRecord',
      'deleteContender',
      'deleteRecord',
    ]),
  }
}
