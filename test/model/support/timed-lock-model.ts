/**
 * The real `lockMachine`, wrapped with a virtual clock so `xstate/graph` only walks paths that
 * can happen in time.
 *
 * The machine's snapshot does not know which delayed events are pending or when they are due,
 * so a plain traversal offers, say, the lease deadline while the (earlier) renew timer would
 * have fired first. This logic keeps the pending delayed events beside the machine's snapshot:
 * each step runs the machine's own pure `transition()`, and the delayed `raise` / `cancel`
 * actions it returns (the `after` timers, with delays resolved by the machine's named delay
 * implementations from its context) start and stop timers. Only the next due timer is offered
 * as an event, and taking it moves the clock to its deadline.
 */
import {
  __unsafe_getAllOwnEventDescriptors,
  type ActorLogic,
  initialTransition,
  type SnapshotFrom,
  transition,
} from 'xstate'
import { lockMachine } from '../../../machines/lock.machine.js'
import type { LockOptions } from '../../../machines/lock.options.js'
import type { LockEvent, LockNotification } from '../../../machines/lock.types.js'
import type { ModelEvent } from './lock-events.js'

export type LockSnapshot = SnapshotFrom<typeof lockMachine>

/** A pending delayed event of the machine (an `after` transition's timer). */
export interface Timer {
  type: string
  delay: number
  deadline: number
}

export interface TimedSnapshot {
  status: 'active'
  output: undefined
  error: undefined
  lock: LockSnapshot
  /** Virtual time, ms since the lock was created. */
  now: number
  /** Pending timers, in the order they were started. */
  timers: readonly Timer[]
  /** What the step into this snapshot emitted (`lock.acquired`, `lock.lost`, ...). */
  emitted: readonly LockNotification[]
  /** How many steps led here (not part of the state's identity). */
  depth: number
}

/** Events the machine raises for itself: never sent from outside. */
const RAISED = new Set([
  'session.renewed',
  'session.renewFailed',
  'session.expired',
  'session.invalidated',
  'lock.tryBudgetSpent',
])

interface ExecutableAction {
  type: string
  params?: unknown
}

function advance(
  lock: LockSnapshot,
  actions: readonly ExecutableAction[],
  now: number,
  running: readonly Timer[],
  depth: number,
): TimedSnapshot {
  let timers = [...running]
  const emitted: LockNotification[] = []
  for (const action of actions) {
    if (action.type === 'xstate.cancel') {
      const { sendId } = action.params as { sendId: string }
      timers = timers.filter((timer) => timer.type !== sendId)
    } else if (action.type === 'xstate.raise') {
      // An `after` timer: its id (what `cancel` names) is its event type.
      const { event, delay } = action.params as { event: { type: string }; delay?: number }
      if (typeof delay !== 'number') continue
      timers = timers.filter((timer) => timer.type !== event.type)
      timers.push({ type: event.type, delay, deadline: now + delay })
    } else if (action.type === 'xstate.emit') {
      emitted.push((action.params as { event: LockNotification }).event)
    }
  }
  return { status: 'active', output: undefined, error: undefined, lock, now, timers, emitted, depth }
}

/** The timer that fires next, unless two are due at the same instant (their order is arbitrary). */
export function nextTimer(snapshot: TimedSnapshot): Timer | undefined {
  const [first, second] = [...snapshot.timers].sort((a, b) => a.deadline - b.deadline)
  if (first === undefined || (second !== undefined && second.deadline === first.deadline)) return undefined
  return first
}

export const timedLockLogic: ActorLogic<TimedSnapshot, ModelEvent, LockOptions> = {
  getInitialSnapshot: (_scope, input) => {
    const [lock, actions] = initialTransition(lockMachine, input)
    return advance(lock, actions, 0, [], 0)
  },
  transition: (snapshot, event) => {
    let { now, timers } = snapshot
    if (event.type.startsWith('xstate.after.')) {
      const due = nextTimer(snapshot)
      if (due?.type !== event.type) throw new Error(`${event.type} is not the next timer to fire`)
      now = due.deadline
      timers = timers.filter((timer) => timer !== due)
    }
    const [lock, actions] = transition(lockMachine, snapshot.lock, event as LockEvent)
    return advance(lock, actions, now, timers, snapshot.depth + 1)
  },
  getPersistedSnapshot: (snapshot) => snapshot,
}

/**
 * The events worth trying in `snapshot`: every variant of each event the active states handle
 * (commands, the answers of the invoked actors) that enables a transition, and the next timer.
 */
export function eventsIn(variants: Record<string, readonly ModelEvent[]>) {
  const offered = new WeakMap<TimedSnapshot, ModelEvent[]>()
  return (snapshot: TimedSnapshot): ModelEvent[] => {
    const known = offered.get(snapshot)
    if (known !== undefined) return known
    const events = __unsafe_getAllOwnEventDescriptors(snapshot.lock)
      .filter((type) => !type.startsWith('xstate.after.') && !type.startsWith('xstate.done.state.'))
      .filter((type) => !RAISED.has(type))
      .flatMap((type) => variants[type] ?? [{ type }])
      .filter((event) => snapshot.lock.can(event as LockEvent))
    const timer = nextTimer(snapshot)
    if (timer !== undefined) events.push({ type: timer.type })
    offered.set(snapshot, events)
    return events
  }
}

/**
 * The context that decides what the lock does next: everything a guard or a delay of the machine
 * reads (so two paths merged into one model state go on alike). The backoff attempt is capped
 * where its delay stops growing; indexes only matter as inputs of the next read.
 */
export function contextIdentity(context: LockSnapshot['context']) {
  return {
    session: context.session,
    ownsSession: context.ownsSession,
    ttlMs: context.ttlMs,
    leaseMs: context.leaseMs,
    waitIndex: String(context.waitIndex),
    freeAtIndex: String(context.freeAtIndex),
    backoffAttempt: Math.min(context.backoffAttempt, 3),
    tryOnce: context.tryOnce,
    tryWaitMs: context.tryWaitMs,
    monitorFailures: context.monitorFailures,
    // `canRetryCleanup` and the `cleanupRetry` delay.
    cleanupRetries: context.cleanupRetries,
    // `renewalFailing`: a lock acquired while renewal fails is suspect from the start.
    renewFailing: context.renewError !== undefined,
    held: context.lease !== null,
    queuedAcquire: context.queuedAcquire,
  }
}

/** The identity of a model state: the state value, `contextIdentity` and the time left on each timer. */
export function serializeTimed(snapshot: TimedSnapshot): string {
  return JSON.stringify({
    value: snapshot.lock.value,
    context: contextIdentity(snapshot.lock.context),
    timers: snapshot.timers.map((timer) => [timer.type, timer.deadline - snapshot.now]).sort(),
  })
}
