/**
 * The events the lock model is driven with: commands, and one answer per Consul outcome that
 * makes the machine's guards branch (labelled, see `events.ts`).
 */
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import type { KVPair } from '../../../src/consul/types.js'
import { sessionRejection } from '../../support/consul-errors.js'
import { done, type EventVariants, errorsOf, failed, failuresOf, sessionMachineVariants } from './events.js'

/** The session id every fake `createSession` answers with. */
export const CREATED_SESSION = 'sess-1'
/** The session of some other client holding the key. */
export const OTHER_SESSION = 'other-session'

function pair(fields: Partial<KVPair>): KVPair {
  return {
    key: 'k',
    value: null,
    flags: LOCK_FLAG_VALUE,
    lockIndex: 1n,
    createIndex: 3n,
    modifyIndex: 7n,
    ...fields,
  }
}

/**
 * The event variants per event type, for a lock whose session is `session` (the created one, or
 * the caller's).
 */
export function eventVariants(session: string): EventVariants {
  const reads = [
    done('readKey', 'missing', { pair: null, index: 5n }),
    done('readKey', 'free', { pair: pair({}), index: 7n }),
    done('readKey', 'held by other', { pair: pair({ session: OTHER_SESSION }), index: 10n }),
    done('readKey', 'held by us', { pair: pair({ session }), index: 8n }),
    done('readKey', 'conflicting flags', { pair: pair({ flags: 0n }), index: 6n }),
  ]
  return {
    ...sessionMachineVariants(CREATED_SESSION),
    'xstate.done.actor.readKey': reads,
    'xstate.done.actor.acquireKey': [
      done('acquireKey', 'acquired', { acquired: true, lockIndex: 2n, modifyIndex: 9n }),
      done('acquireKey', 'held by other', { acquired: false, holder: OTHER_SESSION, index: 9n }),
      done('acquireKey', 'lock-delay', { acquired: false, holder: null, index: 9n }),
    ],
    'xstate.done.actor.releaseKey': [done('releaseKey', 'released', true)],
    'xstate.done.actor.deleteKey': [
      done('deleteKey', 'deleted', true),
      done('deleteKey', 'changed meanwhile', false),
    ],
    ...failuresOf(['readKey', 'releaseKey', 'deleteKey']),
    'xstate.error.actor.acquireKey': [
      ...errorsOf('acquireKey'),
      // Consul refused the session itself (gone on the server): a session rejection.
      failed('acquireKey', 'invalid session', sessionRejection()),
    ],
  }
}
