/**
 * The events the lock model is driven with: commands, and one answer per Consul outcome that
 * makes the machine's guards branch. Every event carries a label, so paths read as
 * `readKey done (held by other)` and two answers of the same actor stay distinct edges.
 */
import type { EventObject } from 'xstate'
import { getStateNodes } from 'xstate/graph'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import { lockMachine } from '../../../machines/lock.machine.js'
import type { KVPair } from '../../../src/consul/types.js'
import { ConsulTransportError } from '../../../src/errors.js'
import { permissionDenied, sessionRejection } from '../../support/consul-errors.js'

/** An event of the model: a command, an actor's done/error event, or a delayed event. */
export interface ModelEvent extends EventObject {
  output?: unknown
  error?: unknown
  tryOnce?: boolean
}

const labels = new WeakMap<ModelEvent, string>()

function labelled<T extends ModelEvent>(label: string, event: T): T {
  labels.set(event, label)
  return event
}

/**
 * The delays of the chart that several states wait on (`cleanupRetry`): their timer events name
 * the state too, as paths must tell them apart.
 */
const SHARED_DELAYS: ReadonlySet<string> = (() => {
  const states = new Map<string, number>()
  for (const node of getStateNodes(lockMachine.root)) {
    for (const { delay } of node.after) states.set(String(delay), (states.get(String(delay)) ?? 0) + 1)
  }
  return new Set([...states].filter(([, count]) => count > 1).map(([delay]) => delay))
})()

/** `after renewInterval`, or `after cleanupRetry (releasing.retryingRelease)` for a shared delay. */
function describeTimer(type: string): string | undefined {
  const match = /^xstate\.after\.(\w+)\.lock\.(.+)$/.exec(type)
  if (match === null) return undefined
  const [, delay = '', state = ''] = match
  return SHARED_DELAYS.has(delay) ? `after ${delay} (${state})` : `after ${delay}`
}

/** `readKey done (free)`, `ACQUIRE (tryOnce)`, `after renewInterval`, or the type of an unlabelled event. */
export function describeEvent(event: ModelEvent): string {
  const label = labels.get(event)
  const type =
    describeTimer(event.type) ?? event.type.replace(/^xstate\.(done|error)\.actor\.(\w+)$/, '$2 $1')
  return label === undefined ? type : `${type} (${label})`
}

/** The session id every fake `createSession` answers with. */
export const CREATED_SESSION = 'sess-1'
/** The session of some other client holding the key. */
export const OTHER_SESSION = 'other-session'

const done = (actor: string, label: string, output: unknown) =>
  labelled(label, { type: `xstate.done.actor.${actor}`, output })
const failed = (actor: string, label: string, error: unknown) =>
  labelled(label, { type: `xstate.error.actor.${actor}`, error })

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

/** A transport failure (retryable) and a 403 (not retryable), for every actor. */
function errorsOf(actor: string): ModelEvent[] {
  return [
    failed(
      actor,
      'connection reset',
      new ConsulTransportError({ method: 'GET', path: `/${actor}`, cause: new Error('ECONNRESET') }),
    ),
    failed(actor, '403', permissionDenied('GET', `/${actor}`)),
  ]
}

/**
 * The event variants per event type, for a lock whose session is `session` (the created one, or
 * the caller's).
 */
export function eventVariants(session: string): Record<string, readonly ModelEvent[]> {
  const reads = [
    done('readKey', 'missing', { pair: null, index: 5n }),
    done('readKey', 'free', { pair: pair({}), index: 7n }),
    done('readKey', 'held by other', { pair: pair({ session: OTHER_SESSION }), index: 10n }),
    done('readKey', 'held by us', { pair: pair({ session }), index: 8n }),
    done('readKey', 'conflicting flags', { pair: pair({ flags: 0n }), index: 6n }),
  ]
  return {
    ACQUIRE: [{ type: 'ACQUIRE' }, labelled('tryOnce', { type: 'ACQUIRE', tryOnce: true })],
    CANCEL: [{ type: 'CANCEL' }],
    RELEASE: [{ type: 'RELEASE' }],
    DESTROY: [{ type: 'DESTROY' }],
    'xstate.done.actor.createSession': [
      done('createSession', 'created', { id: CREATED_SESSION, elapsedMs: 20 }),
    ],
    'xstate.done.actor.renewSession': [
      done('renewSession', 'renewed', { ttlMs: 1000, elapsedMs: 20 }),
      done('renewSession', 'session gone', null),
      done('renewSession', 'no TTL', { ttlMs: 0, elapsedMs: 20 }),
    ],
    'xstate.done.actor.destroySession': [done('destroySession', 'destroyed', undefined)],
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
    ...Object.fromEntries(
      ['createSession', 'renewSession', 'destroySession', 'readKey', 'releaseKey', 'deleteKey'].map(
        (actor) => [`xstate.error.actor.${actor}`, errorsOf(actor)],
      ),
    ),
    'xstate.error.actor.acquireKey': [
      ...errorsOf('acquireKey'),
      // Consul refused the session itself (gone on the server): a session rejection.
      failed('acquireKey', 'invalid session', sessionRejection()),
    ],
  }
}

/** The variant of `type` labelled `label`, or its first (unlabelled) one. */
export function variant(variants: Record<string, readonly ModelEvent[]>, type: string, label?: string) {
  const found = variants[type]?.find((event) => label === undefined || labels.get(event) === label)
  if (found === undefined) throw new Error(`no event variant ${type} (${label})`)
  return found
}
