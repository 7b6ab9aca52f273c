/**
 * RELEASE and CANCEL mean the same wherever there is something to give up: a user who sends
 * either while acquiring or holding gets the same next state and the same notifications.
 */
import { expect } from 'vitest'
import type { AnyStateMachine } from 'xstate'
import { stateName } from './path-names.js'
import { chartState, type TimedModel, type TimedSnapshot } from './timed-model.js'

export function expectReleaseMeansCancel<TMachine extends AnyStateMachine>(
  model: TimedModel<TMachine>,
  states: readonly TimedSnapshot<TMachine>[],
): void {
  /** Where `command` leads from `state`: the next model state and what it emits. */
  const outcomeOf = (state: TimedSnapshot<TMachine>, type: 'RELEASE' | 'CANCEL') => {
    const next = model.logic.transition(state, { type }, undefined as never)
    return { state: JSON.parse(model.serialize(next)) as unknown, emitted: next.emitted }
  }
  const tagged = (tag: string) => (state: TimedSnapshot<TMachine>) => chartState(state).hasTag(tag)
  const pendingOrHeld = states.filter((state) => tagged('pending')(state) || tagged('held')(state))
  expect(pendingOrHeld.some(tagged('pending'))).toBe(true)
  expect(pendingOrHeld.some(tagged('held'))).toBe(true)
  for (const state of pendingOrHeld) {
    const at = stateName(chartState(state).value)
    expect(outcomeOf(state, 'RELEASE'), at).toEqual(outcomeOf(state, 'CANCEL'))
    expect(outcomeOf(state, 'CANCEL').state, `${at} is left`).not.toEqual(JSON.parse(model.serialize(state)))
  }
}
