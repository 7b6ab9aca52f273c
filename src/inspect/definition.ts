/**
 * A machine's definition as plain JSON for the page and the diagram exports: every state node
 * (nesting, parallel regions, tags, invoked actors) and every transition with a readable label.
 * Read from the machine's own state nodes, so what is drawn is what runs.
 */
import type { AnyStateMachine } from 'xstate'
import type { StateNodeView, TransitionView } from './types.js'

/** What is read of an XState v5 state node (`machine.root` and its descendants). */
interface StateNodeLike {
  id: string
  key: string
  type: StateNodeView['type']
  tags: readonly string[]
  config: { initial?: unknown }
  states: Record<string, StateNodeLike>
  invoke: ReadonlyArray<{ id: string; src: unknown }>
  transitions: ReadonlyMap<string, ReadonlyArray<TransitionLike>>
  always?: ReadonlyArray<TransitionLike>
}

interface TransitionLike {
  eventType: string
  target?: ReadonlyArray<{ id: string }>
  guard?: unknown
}

/** Anything with a root state node: a machine (`createMachine`, `setup(…).createMachine`). */
export type MachineLike = Pick<AnyStateMachine, 'root'>

const described = new WeakMap<object, StateNodeView>()

/**
 * The state tree of `machine`, in definition order (the same machine always gives the same
 * tree; the result is cached per machine and must not be modified).
 *
 * @example
 * ```ts
 * const root = describeMachine(lockMachine)
 * root.states.map((state) => state.key) // ['idle', 'creatingSession', 'session', …]
 * ```
 */
export function describeMachine(machine: MachineLike): StateNodeView {
  let view = described.get(machine)
  if (view === undefined) {
    view = describeNode(machine.root as unknown as StateNodeLike)
    described.set(machine, view)
  }
  return view
}

function describeNode(node: StateNodeLike): StateNodeView {
  const transitions: TransitionView[] = []
  for (const candidates of node.transitions.values()) {
    for (const transition of candidates) transitions.push(describeTransition(transition))
  }
  for (const transition of node.always ?? []) transitions.push(describeTransition(transition))
  const initial = typeof node.config.initial === 'string' ? node.config.initial : undefined
  return {
    id: node.id,
    key: node.key,
    type: node.type,
    ...(initial === undefined ? {} : { initial }),
    tags: [...node.tags],
    invokes: node.invoke.map((invoke) => (typeof invoke.src === 'string' ? invoke.src : invoke.id)),
    transitions,
    states: Object.values(node.states).map(describeNode),
  }
}

function describeTransition(transition: TransitionLike): TransitionView {
  const guard = guardLabel(transition.guard)
  return {
    event: transition.eventType,
    label: eventLabel(transition.eventType),
    targets: (transition.target ?? []).map((target) => target.id),
    ...(guard === undefined ? {} : { guard }),
  }
}

/**
 * A short label for an event type, as an edge or a timeline line shows it:
 * `xstate.after.renewInterval.<state id>` → `after renewInterval` (`after 500ms` for a number),
 * `xstate.done.actor.readKey` → `done: readKey`, `xstate.error.actor.readKey` → `error: readKey`,
 * `xstate.done.state.<id>` → `done`, an eventless transition (`''`) → `always`; anything else
 * as it is.
 */
export function eventLabel(type: string): string {
  if (type === '') return 'always'
  const after = /^xstate\.after\.([^.]+)\./.exec(type)
  if (after) {
    const delay = after[1] as string
    return `after ${/^\d+$/.test(delay) ? `${delay}ms` : delay}`
  }
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type)
  if (actor) return `${actor[1]}: ${actor[2]}`
  if (type.startsWith('xstate.done.state.')) return 'done'
  return type
}

/** A guard's name: `isLocked`, or `and(hasConflictingFlags, ownsSession)`, `not(isLocked)`. */
function guardLabel(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined
  if (typeof guard === 'string') return guard
  if (typeof guard === 'function') {
    const inner: unknown = (guard as { guards?: unknown }).guards
    if (Array.isArray(inner)) return `${guard.name}(${inner.map((g) => guardLabel(g) ?? '?').join(', ')})`
    return guard.name || 'inline guard'
  }
  if (typeof guard === 'object' && 'type' in guard) return String(guard.type)
  return undefined
}

/** Every state node of a tree by id (cached per tree). */
export function stateIndex(root: StateNodeView): ReadonlyMap<string, StateNodeView> {
  let index = indexes.get(root)
  if (index === undefined) {
    const built = new Map<string, StateNodeView>()
    const add = (node: StateNodeView) => {
      built.set(node.id, node)
      node.states.forEach(add)
    }
    add(root)
    index = built
    indexes.set(root, index)
  }
  return index
}

const indexes = new WeakMap<StateNodeView, ReadonlyMap<string, StateNodeView>>()

/**
 * The ids of every active state node (the root included) for a snapshot `value` of the
 * machine `root` describes; unknown keys are skipped. Used when a snapshot does not carry its
 * state nodes.
 */
export function activeIdsOf(root: StateNodeView, value: unknown): string[] {
  const ids: string[] = [root.id]
  const visit = (node: StateNodeView, value: unknown) => {
    if (typeof value === 'string') {
      const child = node.states.find((state) => state.key === value)
      if (child) ids.push(child.id)
      return
    }
    if (typeof value !== 'object' || value === null) return
    for (const [key, childValue] of Object.entries(value)) {
      const child = node.states.find((state) => state.key === key)
      if (child === undefined) continue
      ids.push(child.id)
      visit(child, childValue)
    }
  }
  visit(root, value)
  return ids
}

/** Of active state ids, the leaves (atomic, final or history states), in the same order. */
export function activeLeaves(root: StateNodeView, activeIds: readonly string[]): string[] {
  const index = stateIndex(root)
  return activeIds.filter((id) => {
    const node = index.get(id)
    return node !== undefined && node.states.length === 0
  })
}
