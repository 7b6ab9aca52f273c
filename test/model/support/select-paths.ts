/**
 * Picks the paths to replay: for every transition of the chart (state value → event variant →
 * state value), the shortest path that ends with it. Paths that are a prefix of a longer chosen
 * path are dropped: the longer one checks the same steps.
 */
import { getShortestPaths } from 'xstate/graph'
import type { LockOptions } from '../../../machines/lock.options.js'
import { describeEvent, type ModelEvent } from './lock-events.js'
import type { ModelPath } from './replay.js'
import { eventsIn, serializeTimed, type TimedSnapshot, timedLockLogic } from './timed-lock-model.js'

export interface ModelOptions {
  input: LockOptions
  variants: Record<string, readonly ModelEvent[]>
  /** How many steps deep the traversal looks (the state space grows with time combinations). */
  maxDepth: number
}

/** The traversal options every generator gets: the model's events, identity and depth bound. */
export function traversal({ input, variants, maxDepth }: ModelOptions) {
  return {
    input,
    events: eventsIn(variants),
    serializeState: serializeTimed,
    serializeEvent: describeEvent,
    stopWhen: (snapshot: TimedSnapshot) => snapshot.depth >= maxDepth,
    // A safety net: a change that makes the model state space explode fails fast.
    limit: 100_000,
  }
}

/**
 * Options for `getPathsFromEvents` from `fromState`. A scripted event list may send any command
 * (one the lock ignores where it is leaves it there), but an actor can only answer while invoked
 * and a timer only fire when it is the next one due.
 */
export function scripted(options: ModelOptions, fromState: TimedSnapshot) {
  const events = eventsIn(options.variants)
  return {
    input: options.input,
    fromState,
    serializeState: serializeTimed,
    serializeEvent: describeEvent,
    filterEvents: (snapshot: TimedSnapshot, event: ModelEvent) =>
      COMMANDS.has(event.type) ||
      events(snapshot).some((offered) => describeEvent(offered) === describeEvent(event)),
  }
}

const COMMANDS = new Set(['ACQUIRE', 'CANCEL', 'RELEASE', 'DESTROY'])

/**
 * The path with every step's snapshot recomputed along its own events. A traversal keeps one
 * snapshot per model state, so a step of a generated path may carry one reached another way:
 * same state value, context and timers, but different notifications and absolute time.
 */
export function rehydrate(path: ModelPath, input: LockOptions): ModelPath {
  const [first, ...rest] = path.steps
  if (first === undefined) return path
  let state = timedLockLogic.getInitialSnapshot(undefined as never, input)
  const steps = [{ event: first.event, state }]
  for (const step of rest) {
    state = timedLockLogic.transition(state, step.event, undefined as never)
    if (serializeTimed(state) !== serializeTimed(step.state))
      throw new Error('path does not replay in the model')
    steps.push({ event: step.event, state })
  }
  return { state, steps, weight: path.weight }
}

const edgeOf = (from: TimedSnapshot, event: ModelEvent, to: TimedSnapshot) =>
  `${JSON.stringify(from.lock.value)} ${describeEvent(event)} ${JSON.stringify(to.lock.value)}`

/** The shortest paths to every model state (xstate/graph), sorted shortest first. */
export function shortestPaths(options: ModelOptions): ModelPath[] {
  return getShortestPaths(timedLockLogic, traversal(options)).sort((a, b) => a.steps.length - b.steps.length)
}

/**
 * One path per chart transition not in `covered` yet (which it extends), prefixes dropped. The
 * paths are rehydrated (see `rehydrate`).
 */
export function transitionCoveringPaths(
  paths: readonly ModelPath[],
  options: ModelOptions,
  covered = new Set<string>(),
): ModelPath[] {
  const events = eventsIn(options.variants)
  const chosen: ModelPath[] = []
  for (const path of paths) {
    if (path.state.depth >= options.maxDepth) continue
    for (const event of events(path.state)) {
      const next = timedLockLogic.transition(path.state, event, undefined as never)
      const edge = edgeOf(path.state, event, next)
      if (covered.has(edge)) continue
      covered.add(edge)
      chosen.push({ state: next, steps: [...path.steps, { event, state: next }], weight: path.weight + 1 })
    }
  }
  const keys = chosen.map((path) => path.steps.map((step) => describeEvent(step.event)).join('\n'))
  return chosen
    .filter((_, index) => !keys.some((other, at) => at !== index && other.startsWith(`${keys[index]}\n`)))
    .map((path) => rehydrate(path, options.input))
}
