/**
 * `-verbose` transitions: every state change of the lock's (or semaphore's) actor, printed as
 * the leaf states left and entered, with the phase (the public tag) it is in now
 * (`session.lock.pending.waiting → session.lock.pending.acquiring.inFlight [pending]`), and the
 * suspect and error notifications that say why.
 */
import type { StateValue } from 'xstate'
import { messageOf, type Output } from './output.js'

/** The tags of both machines, most specific first: `held` and `suspect` are set together. */
const PHASES = ['destroying', 'releasing', 'suspect', 'held', 'pending', 'idle'] as const

export type Phase = (typeof PHASES)[number]

/** The phase a snapshot is in (`undefined`: a state between tagged ones). */
export function phaseOf(snapshot: { hasTag(tag: string): boolean }): Phase | undefined {
  return PHASES.find((tag) => snapshot.hasTag(tag))
}

/** The active leaf states of a state value, as dotted paths (`session.lock.held.lease.sound`). */
export function leafPaths(value: StateValue): string[] {
  if (typeof value === 'string') return [value]
  return Object.entries(value).flatMap(([state, below]) =>
    below === undefined || (typeof below === 'object' && Object.keys(below).length === 0)
      ? [state]
      : leafPaths(below).map((leaf) => `${state}.${leaf}`),
  )
}

interface ObservedSnapshot {
  readonly value: StateValue
  hasTag(tag: string): boolean
}

/** What verbose printing needs of a lock's or a semaphore's actor. */
export interface ObservedActor {
  getSnapshot(): ObservedSnapshot
  subscribe(next: (snapshot: ObservedSnapshot) => void): { unsubscribe(): void }
  on(type: '*', handler: (event: { type: string }) => void): { unsubscribe(): void }
}

/**
 * Prints every state change of `actor` (the leaves it left → the leaves it entered [phase]) and
 * its `lock.suspect` / `lock.error` (`semaphore.…`) notifications through `output.info`.
 * Returns the function that stops it.
 */
export function printTransitions(actor: ObservedActor, output: Output) {
  let leaves = leafPaths(actor.getSnapshot().value)
  const subscriptions = [
    actor.subscribe((snapshot) => {
      const next = leafPaths(snapshot.value)
      const left = leaves.filter((leaf) => !next.includes(leaf))
      const entered = next.filter((leaf) => !leaves.includes(leaf))
      leaves = next
      // A snapshot with only its context changed is no transition.
      if (left.length === 0 && entered.length === 0) return
      const phase = phaseOf(snapshot)
      output.info(`${listed(left)} → ${listed(entered)}${phase === undefined ? '' : ` [${phase}]`}`)
    }),
    actor.on('*', (event) => {
      const { cause, error } = event as { cause?: string; error?: unknown }
      if (event.type.endsWith('.suspect')) output.info(`suspect (${cause}): ${messageOf(error)}`)
      if (event.type.endsWith('.error')) output.info(`error: ${messageOf(error)}`)
    }),
  ]
  return () => {
    for (const subscription of subscriptions) subscription.unsubscribe()
  }
}

/** Leaves in one line; `-` when a parallel region only entered (or only left) states. */
const listed = (leaves: readonly string[]) => (leaves.length === 0 ? '-' : leaves.join(', '))
