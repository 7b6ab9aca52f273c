/**
 * The events a model is driven with, for any of our machines: commands, and actor answers that
 * carry a label, so paths read as `readKey done (held by other)` and two answers of the same
 * actor stay distinct edges. Each machine lists its own variants (`lock-events.ts`,
 * `semaphore-events.ts`) with the helpers here.
 */
import type { AnyStateMachine, EventObject } from 'xstate'
import { getStateNodes } from 'xstate/graph'
import { ConsulTransportError } from '../../../src/errors.js'
import { permissionDenied } from '../../support/consul-errors.js'

/** An event of a model: a command, an actor's done/error event, or a delayed event. */
export interface ModelEvent extends EventObject {
  output?: unknown
  error?: unknown
  tryOnce?: boolean
  wait?: unknown
}

/** The variants of each event type a model tries (a type not listed is tried as `{ type }`). */
export type EventVariants = Record<string, readonly ModelEvent[]>

const labels = new WeakMap<ModelEvent, string>()

export function labelled<T extends ModelEvent>(label: string, event: T): T {
  labels.set(event, label)
  return event
}

/** An actor's answer, labelled. */
export const done = (actor: string, label: string, output: unknown) =>
  labelled(label, { type: `xstate.done.actor.${actor}`, output })

/** An actor's failure, labelled. */
export const failed = (actor: string, label: string, error: unknown) =>
  labelled(label, { type: `xstate.error.actor.${actor}`, error })

/** A transport failure (retryable) and a 403 (not retryable), for `actor`. */
export function errorsOf(actor: string): ModelEvent[] {
  return [
    failed(
      actor,
      'connection reset',
      new ConsulTransportError({ method: 'GET', path: `/${actor}`, cause: new Error('ECONNRESET') }),
    ),
    failed(actor, '403', permissionDenied('GET', `/${actor}`)),
  ]
}

/** The failures of each of `actors`: a transport failure and a 403 (see `errorsOf`). */
export function failuresOf(actors: readonly string[]): EventVariants {
  return Object.fromEntries(actors.map((actor) => [`xstate.error.actor.${actor}`, errorsOf(actor)]))
}

/**
 * The commands, and the answers of the session actors, as every session-backed machine (lock,
 * semaphore) takes them: a create answering `createdSession` after 20 ms; a renew that renews
 * (TTL 1 s, what the models configure), finds the session gone, or answers without a TTL.
 */
export function sessionMachineVariants(createdSession: string): EventVariants {
  return {
    ACQUIRE: [{ type: 'ACQUIRE' }, labelled('tryOnce', { type: 'ACQUIRE', tryOnce: true })],
    CANCEL: [{ type: 'CANCEL' }],
    RELEASE: [{ type: 'RELEASE' }],
    DESTROY: [{ type: 'DESTROY' }],
    'xstate.done.actor.createSession': [
      done('createSession', 'created', { id: createdSession, elapsedMs: 20 }),
    ],
    'xstate.done.actor.renewSession': [
      done('renewSession', 'renewed', { ttlMs: 1000, elapsedMs: 20 }),
      done('renewSession', 'session gone', null),
      done('renewSession', 'no TTL', { ttlMs: 0, elapsedMs: 20 }),
    ],
    'xstate.done.actor.destroySession': [done('destroySession', 'destroyed', undefined)],
    ...failuresOf(['createSession', 'renewSession', 'destroySession']),
  }
}

/** The variant of `type` labelled `label`, or its first (unlabelled) one. */
export function variant(variants: EventVariants, type: string, label?: string): ModelEvent {
  const found = variants[type]?.find((event) => label === undefined || labels.get(event) === label)
  if (found === undefined) throw new Error(`no event variant ${type} (${label})`)
  return found
}

/** Builders of the events a scripted tail is made of, from a model's `variants`. */
export function scriptEvents(variants: EventVariants) {
  const ev = (type: string, label?: string) => variant(variants, type, label)
  return {
    /** The variant of a command (or any event type) labelled `label`. */
    ev,
    /** An answer of `actor`, the variant labelled `label`. */
    done: (actor: string, label?: string) => ev(`xstate.done.actor.${actor}`, label),
    /** A failure of `actor`, the variant labelled `label`. */
    failed: (actor: string, label?: string) => ev(`xstate.error.actor.${actor}`, label),
    /** The timer of `delay` in the state with id `stateId` firing. */
    delayed: (delay: string, stateId: string): ModelEvent => ({ type: `xstate.after.${delay}.${stateId}` }),
  }
}

/**
 * The delays of `machine` that several states wait on (`cleanupRetry`): their timer events name
 * the state too, as paths must tell them apart.
 */
function sharedDelays(machine: AnyStateMachine): ReadonlySet<string> {
  const states = new Map<string, number>()
  for (const node of getStateNodes(machine.root)) {
    for (const { delay } of node.after) states.set(String(delay), (states.get(String(delay)) ?? 0) + 1)
  }
  return new Set([...states].filter(([, count]) => count > 1).map(([delay]) => delay))
}

/**
 * How paths of `machine` name an event: `readKey done (free)`, `ACQUIRE (tryOnce)`,
 * `after renewInterval`, `after cleanupRetry (releasing.retryingRelease)` for a shared delay, or
 * the type of an unlabelled event. It is also the event's identity in a traversal.
 */
export function eventNames(machine: AnyStateMachine): (event: ModelEvent) => string {
  const shared = sharedDelays(machine)
  const timer = new RegExp(`^xstate\\.after\\.(\\w+)\\.${machine.id}\\.(.+)$`)
  const describeTimer = (type: string) => {
    const match = timer.exec(type)
    if (match === null) return undefined
    const [, delay = '', state = ''] = match
    return shared.has(delay) ? `after ${delay} (${state})` : `after ${delay}`
  }
  return (event) => {
    const label = labels.get(event)
    const type =
      describeTimer(event.type) ?? event.type.replace(/^xstate\.(done|error)\.actor\.(\w+)$/, '$2 $1')
    return label === undefined ? type : `${type} (${label})`
  }
}
