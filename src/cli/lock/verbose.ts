/**
 * `-verbose` transitions: the phase of the lock's (or semaphore's) actor, read from its public
 * tags, printed each time it changes (`pending → held`), and the suspect and error
 * notifications that say why.
 */
import { messageOf, type Output } from './output.js'

/** The tags of both machines, most specific first: `held` and `suspect` are set together. */
const PHASES = ['destroying', 'releasing', 'suspect', 'held', 'pending', 'idle'] as const

export type Phase = (typeof PHASES)[number]

/** The phase a snapshot is in (`undefined`: a state between tagged ones). */
export function phaseOf(snapshot: { hasTag(tag: string): boolean }): Phase | undefined {
  return PHASES.find((tag) => snapshot.hasTag(tag))
}

/** What verbose printing needs of a lock's or a semaphore's actor. */
export interface ObservedActor {
  getSnapshot(): { hasTag(tag: string): boolean }
  subscribe(next: (snapshot: { hasTag(tag: string): boolean }) => void): { unsubscribe(): void }
  on(type: '*', handler: (event: { type: string }) => void): { unsubscribe(): void }
}

/**
 * Prints every phase change of `actor` and its `lock.suspect` / `lock.error` (`semaphore.…`)
 * notifications through `output.info`. Returns the function that stops it.
 */
export function printTransitions(actor: ObservedActor, output: Output) {
  let phase = phaseOf(actor.getSnapshot())
  const subscriptions = [
    actor.subscribe((snapshot) => {
      const next = phaseOf(snapshot)
      if (next === undefined || next === phase) return
      output.info(`${phase ?? 'idle'} → ${next}`)
      phase = next
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
