/** How model paths read in test names and assertion messages. */
import type { AnyStateMachine } from 'xstate'
import { chartState, type ModelPath, type TimedModel } from './timed-model.js'

/** `idle`, or `session(renewing.unmanaged, lock(pending.waiting))` for a nested value. */
export function stateName(value: unknown): string {
  if (typeof value === 'string') return value
  return Object.entries(value as Record<string, unknown>)
    .map(([key, child]) => (typeof child === 'string' ? `${key}.${child}` : `${key}(${stateName(child)})`))
    .join(', ')
}

/** The events of `path` after the initial one, as `ACQUIRE → createSession done (created) → …`. */
export function describePath<TMachine extends AnyStateMachine>(
  model: TimedModel<TMachine>,
  path: ModelPath<TMachine>,
): string {
  return path.steps
    .slice(1)
    .map((step) => model.describeEvent(step.event))
    .join(' → ')
}

/** A test name for `path`: its events, then the state it ends in. */
export const pathTitle = <TMachine extends AnyStateMachine>(
  model: TimedModel<TMachine>,
  path: ModelPath<TMachine>,
) => `${describePath(model, path)} ⇒ ${stateName(chartState(path.state).value)}`

/** The type of every notification emitted along `path`, oldest first. */
export const emittedTypes = <TMachine extends AnyStateMachine>(path: ModelPath<TMachine>): string[] =>
  path.steps.flatMap((step) => step.state.emitted.map((event) => (event as { type: string }).type))
