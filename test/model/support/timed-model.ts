/**
 * A real machine of ours, wrapped with a virtual clock so `xstate/graph` only walks paths that
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
  type AnyMachineSnapshot,
  type AnyStateMachine,
  type ContextFrom,
  type EmittedFrom,
  type InputFrom,
  initialTransition,
  type SnapshotFrom,
  transition,
} from 'xstate'
import type { StatePath } from 'xstate/graph'
import { type EventVariants, eventNames, type ModelEvent } from './events.js'

/** A pending delayed event of the machine (an `after` transition's timer). */
export interface Timer {
  type: string
  delay: number
  deadline: number
}

export interface TimedSnapshot<TMachine extends AnyStateMachine> {
  status: 'active'
  output: undefined
  error: undefined
  /** The machine's own snapshot. */
  machine: SnapshotFrom<TMachine>
  /** Virtual time, ms since the machine was created. */
  now: number
  /** Pending timers, in the order they were started. */
  timers: readonly Timer[]
  /** What the step into this snapshot emitted (`lock.acquired`, `semaphore.lost`, ...). */
  emitted: readonly EmittedFrom<TMachine>[]
  /** How many steps led here (not part of the state's identity). */
  depth: number
}

/** A path through a timed model: every step's event and the model state it leads to. */
export type ModelPath<TMachine extends AnyStateMachine> = StatePath<TimedSnapshot<TMachine>, ModelEvent>

/** What a timed model needs to know of its machine besides the chart. */
export interface TimedModelSpec<TMachine extends AnyStateMachine> {
  machine: TMachine
  /** Events the machine raises for itself: never sent from outside. */
  raised: ReadonlySet<string>
  /**
   * The context that decides what the machine does next: everything a guard or a delay reads
   * (so two paths merged into one model state go on alike). Part of a model state's identity.
   */
  contextIdentity(context: ContextFrom<TMachine>): unknown
}

/** The timed logic of a machine, with how its states and events are identified. */
export interface TimedModel<TMachine extends AnyStateMachine> {
  readonly machine: TMachine
  readonly logic: ActorLogic<TimedSnapshot<TMachine>, ModelEvent, InputFrom<TMachine>>
  readonly contextIdentity: (context: ContextFrom<TMachine>) => unknown
  /** The identity of a model state: the state value, `contextIdentity` and the time left on each timer. */
  serialize(snapshot: TimedSnapshot<TMachine>): string
  /** How paths name an event (see `eventNames`). */
  describeEvent(event: ModelEvent): string
  /** The events worth trying in a snapshot, given the model's variants (see `eventsIn`). */
  eventsIn(variants: EventVariants): (snapshot: TimedSnapshot<TMachine>) => ModelEvent[]
}

interface ExecutableAction {
  type: string
  params?: unknown
}

/**
 * The machine's snapshot of a model state, as any machine's: generic code over `TMachine`
 * cannot see through `SnapshotFrom<TMachine>` until the machine is known.
 */
export const chartState = (state: { machine: unknown }) => state.machine as AnyMachineSnapshot

/** The timer that fires next, unless two are due at the same instant (their order is arbitrary). */
export function nextTimer(snapshot: { timers: readonly Timer[] }): Timer | undefined {
  const [first, second] = [...snapshot.timers].sort((a, b) => a.deadline - b.deadline)
  if (first === undefined || (second !== undefined && second.deadline === first.deadline)) return undefined
  return first
}

export function timedModel<TMachine extends AnyStateMachine>(
  spec: TimedModelSpec<TMachine>,
): TimedModel<TMachine> {
  type Snapshot = TimedSnapshot<TMachine>
  // The generic machine's types are only used through its snapshot type; xstate's pure
  // functions are called on it as any machine.
  const machine: AnyStateMachine = spec.machine

  function advance(
    state: SnapshotFrom<TMachine>,
    actions: readonly ExecutableAction[],
    now: number,
    running: readonly Timer[],
    depth: number,
  ): Snapshot {
    let timers = [...running]
    const emitted: EmittedFrom<TMachine>[] = []
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
        emitted.push((action.params as { event: EmittedFrom<TMachine> }).event)
      }
    }
    return {
      status: 'active',
      output: undefined,
      error: undefined,
      machine: state,
      now,
      timers,
      emitted,
      depth,
    }
  }

  const logic: TimedModel<TMachine>['logic'] = {
    getInitialSnapshot: (_scope, input) => {
      const [state, actions] = initialTransition(machine, input)
      return advance(state as SnapshotFrom<TMachine>, actions, 0, [], 0)
    },
    transition: (snapshot, event) => {
      let { now, timers } = snapshot
      if (event.type.startsWith('xstate.after.')) {
        const due = nextTimer(snapshot)
        if (due?.type !== event.type) throw new Error(`${event.type} is not the next timer to fire`)
        now = due.deadline
        timers = timers.filter((timer) => timer !== due)
      }
      const [state, actions] = transition(machine, snapshot.machine, event)
      return advance(state as SnapshotFrom<TMachine>, actions, now, timers, snapshot.depth + 1)
    },
    getPersistedSnapshot: (snapshot) => snapshot,
  }

  /**
   * The events worth trying in `snapshot`: every variant of each event the active states handle
   * (commands, the answers of the invoked actors) that enables a transition, and the next timer.
   */
  function eventsIn(variants: EventVariants) {
    const offered = new WeakMap<Snapshot, ModelEvent[]>()
    return (snapshot: Snapshot): ModelEvent[] => {
      const known = offered.get(snapshot)
      if (known !== undefined) return known
      const events = __unsafe_getAllOwnEventDescriptors(snapshot.machine)
        .filter((type) => !type.startsWith('xstate.after.') && !type.startsWith('xstate.done.state.'))
        .filter((type) => !spec.raised.has(type))
        .flatMap((type) => variants[type] ?? [{ type }])
        .filter((event) => chartState(snapshot).can(event))
      const timer = nextTimer(snapshot)
      if (timer !== undefined) events.push({ type: timer.type })
      offered.set(snapshot, events)
      return events
    }
  }

  return {
    machine: spec.machine,
    logic,
    contextIdentity: spec.contextIdentity,
    serialize: (snapshot) =>
      JSON.stringify({
        value: chartState(snapshot).value,
        context: spec.contextIdentity(chartState(snapshot).context),
        timers: snapshot.timers.map((timer) => [timer.type, timer.deadline - snapshot.now]).sort(),
      }),
    describeEvent: eventNames(machine),
    eventsIn,
  }
}
