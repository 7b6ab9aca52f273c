/**
 * What the inspector's server sends its page: the shapes of `GET /api/state` and of the
 * server-sent events on `GET /events`. Everything here is plain JSON (bigints as decimal strings).
 */

/** A transition of a state node, as the chart draws it. */
export interface TransitionView {
  /** The event type (`ACQUIRE`, `xstate.done.actor.readKey`, `xstate.after.renewInterval.#lock…`). */
  event: string
  /** A short label for the edge: the event, or `after <delay>`, `done: <actor>`, `error: <actor>`, `always`. */
  label: string
  /** The state node ids it targets (none for a targetless transition). */
  targets: string[]
  /** The guard's name, if any (`and(…)`/`not(…)` are shown as written). */
  guard?: string
}

/** A state node of a machine definition, with its children. */
export interface StateNodeView {
  /** The state node id, e.g. `lock.session.lock.held` (the page addresses nodes by it). */
  id: string
  /** The key under its parent (`held`); the machine id for the root. */
  key: string
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history'
  /** The initial child's key, for compound states. */
  initial?: string
  tags: string[]
  /** The `src` of each actor the state invokes. */
  invokes: string[]
  transitions: TransitionView[]
  /** Child states, in definition order. */
  states: StateNodeView[]
}

/** One running (or ended) actor the inspector knows of. */
export interface ActorView {
  /** The actor's session id (unique in the process). */
  id: string
  /** The actor's id in its parent or system (`lock`, `x:3`), for display. */
  name: string
  /** The session id of its parent actor, if embedded. */
  parentId?: string
  /** The root machine's id (`lock`, `semaphore`, a user's machine id); absent for non-machine actors. */
  machineId?: string
  /** The machine definition, once per actor; absent for non-machine actors (promises, callbacks). */
  definition?: StateNodeView
  status: 'active' | 'done' | 'error' | 'stopped'
  /** The ids of every active state node (all levels), for highlighting. */
  activeStateIds: string[]
  /** The snapshot's value (`{ session: { renewing: 'keepingAlive', … } }`). */
  value: unknown
  tags: string[]
  /** The snapshot's context, redacted (tokens, secrets, passwords) and JSON-safe. */
  context: unknown
  /** When the actor was last updated (epoch ms). */
  updatedAt: number
}

/** One entry of the timeline. */
export interface TimelineEntry {
  /** Increases by one with every entry (gaps: dropped from the bounded timeline). */
  seq: number
  /** Epoch ms. */
  at: number
  actorId: string
  kind: 'actor' | 'event' | 'transition' | 'stopped'
  /** The event type (for `event` and `transition`). */
  eventType?: string
  /** The event, redacted and JSON-safe (for `event`). */
  event?: unknown
  /** Active leaf state ids before and after (for `transition`). */
  from?: string[]
  to?: string[]
  /** One readable line. */
  summary: string
}

/** `GET /api/state`, and the first server-sent event (`event: state`) of every connection. */
export interface InspectorState {
  actors: ActorView[]
  timeline: TimelineEntry[]
}

/** Every later server-sent event (`event: update`). */
export type InspectorUpdate = { type: 'actor'; actor: ActorView } | { type: 'timeline'; entry: TimelineEntry }
