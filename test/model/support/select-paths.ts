/**
 * Generates and picks the paths to replay, for any timed model: the shortest path to every model
 * state; for every transition of the chart (state value → event variant → state value), the
 * shortest path that ends with it; and joined paths (a generated path, then a scripted tail)
 * for loops and scenarios no shortest path takes.
 */
import type { AnyStateMachine, InputFrom } from 'xstate'
import { getShortestPaths } from 'xstate/graph'
import type { EventVariants, ModelEvent } from './events.js'
import { chartState, type ModelPath, type TimedModel, type TimedSnapshot } from './timed-model.js'

export interface ModelOptions<TMachine extends AnyStateMachine> {
  input: InputFrom<TMachine>
  variants: EventVariants
  /** How many steps deep the traversal looks (the state space grows with time combinations). */
  maxDepth: number
}

/** The traversal options every generator gets: the model's events, identity and depth bound. */
function traversal<TMachine extends AnyStateMachine>(
  model: TimedModel<TMachine>,
  { input, variants, maxDepth }: ModelOptions<TMachine>,
) {
  return {
    input,
    events: model.eventsIn(variants),
    serializeState: model.serialize,
    serializeEvent: model.describeEvent,
    stopWhen: (snapshot: TimedSnapshot<TMachine>) => snapshot.depth >= maxDepth,
    // A safety net: a change that makes the model state space explode fails fast.
    limit: 100_000,
  }
}

/**
 * The path with every step's snapshot recomputed along its own events. A traversal keeps one
 * snapshot per model state, so a step of a generated path may carry one reached another way:
 * same state value, context and timers, but different notifications and absolute time.
 */
export function rehydrate<TMachine extends AnyStateMachine>(
  model: TimedModel<TMachine>,
  path: ModelPath<TMachine>,
  input: InputFrom<TMachine>,
): ModelPath<TMachine> {
  const [first, ...rest] = path.steps
  if (first === undefined) return path
  let state = model.logic.getInitialSnapshot(undefined as never, input)
  const steps = [{ event: first.event, state }]
  for (const step of rest) {
    state = model.logic.transition(state, step.event, undefined as never)
    if (model.serialize(state) !== model.serialize(step.state))
      throw new Error('path does not replay in the model')
    steps.push({ event: step.event, state })
  }
  return { state, steps, weight: path.weight }
}

/** The path of no steps: the machine as it starts. */
function initialPath<TMachine extends AnyStateMachine>(
  model: TimedModel<TMachine>,
  input: InputFrom<TMachine>,
): ModelPath<TMachine> {
  const state = model.logic.getInitialSnapshot(undefined as never, input)
  return { state, steps: [{ event: { type: 'xstate.init' }, state }], weight: 0 }
}

/** The shortest paths to every model state (xstate/graph), sorted shortest first. */
export function shortestPaths<TMachine extends AnyStateMachine>(
  model: TimedModel<TMachine>,
  options: ModelOptions<TMachine>,
): ModelPath<TMachine>[] {
  return getShortestPaths(model.logic, traversal(model, options)).sort(
    (a, b) => a.steps.length - b.steps.length,
  )
}

/**
 * One path per chart transition not in `covered` yet (which it extends), prefixes dropped: the
 * longer path checks the same steps. The paths are rehydrated (see `rehydrate`).
 */
export function transitionCoveringPaths<TMachine extends AnyStateMachine>(
  model: TimedModel<TMachine>,
  paths: readonly ModelPath<TMachine>[],
  options: ModelOptions<TMachine>,
  covered = new Set<string>(),
): ModelPath<TMachine>[] {
  const events = model.eventsIn(options.variants)
  const edgeOf = (from: TimedSnapshot<TMachine>, event: ModelEvent, to: TimedSnapshot<TMachine>) =>
    `${JSON.stringify(chartState(from).value)} ${model.describeEvent(event)} ${JSON.stringify(chartState(to).value)}`
  const chosen: ModelPath<TMachine>[] = []
  for (const path of paths) {
    if (path.state.depth >= options.maxDepth) continue
    for (const event of events(path.state)) {
      const next = model.logic.transition(path.state, event, undefined as never)
      const edge = edgeOf(path.state, event, next)
      if (covered.has(edge)) continue
      covered.add(edge)
      chosen.push({ state: next, steps: [...path.steps, { event, state: next }], weight: path.weight + 1 })
    }
  }
  const keys = chosen.map((path) => path.steps.map((step) => model.describeEvent(step.event)).join('\n'))
  return chosen
    .filter((_, index) => !keys.some((other, at) => at !== index && other.startsWith(`${keys[index]}\n`)))
    .map((path) => rehydrate(model, path, options.input))
}

/**
 * The first of `paths` (generated with `options`) ending in a state matching `where` (or the path
 * of no steps, if the initial state matches), rehydrated, then the scripted `tail`. For loops and
 * scenarios: a shortest path to where the loop starts, then the loop. The tail may send any of
 * the model's commands (one the machine ignores where it is leaves it there), but an actor can
 * only answer while invoked and a timer only fire when it is the next one due.
 */
export function joinedPath<TMachine extends AnyStateMachine>(
  model: TimedModel<TMachine> & { commands: ReadonlySet<string> },
  options: ModelOptions<TMachine>,
  paths: readonly ModelPath<TMachine>[],
  where: (state: TimedSnapshot<TMachine>) => boolean,
  tail: readonly ModelEvent[],
): ModelPath<TMachine> {
  const found = [initialPath(model, options.input), ...paths].find((path) => where(path.state))
  if (found === undefined) throw new Error('no generated path reaches the start of the loop')
  const head = rehydrate(model, found, options.input)
  const offered = model.eventsIn(options.variants)
  let { state } = head
  const steps = [...head.steps]
  for (const [index, event] of tail.entries()) {
    const name = model.describeEvent(event)
    if (
      !model.commands.has(event.type) &&
      !offered(state).some((other) => model.describeEvent(other) === name)
    ) {
      throw new Error(
        `the scripted tail does not replay in the model: event ${index} (${name}) cannot happen in ${JSON.stringify(chartState(state).value)}`,
      )
    }
    state = model.logic.transition(state, event, undefined as never)
    steps.push({ event, state })
  }
  return { state, steps, weight: steps.length - 1 }
}
