/**
 * The inspector's memory: an XState inspection observer that turns `@xstate.actor`,
 * `@xstate.event` and `@xstate.snapshot` events into one view per machine actor and a bounded
 * timeline, and tells its subscribers every change. It serves any number of actor systems at
 * once (several locks in one process) and machines embedded in a user's machine.
 *
 * Only machine actors get an `ActorView`: the promise actors a machine invokes for each request
 * (`readKey`, `renewSession`, …) show on the timeline of the machine that invokes them
 * (`invokes readKey`), and their results as that machine's events (`done: readKey`).
 *
 * Memory is bounded: the timeline keeps its last `timelineSize` entries, and of the actors that
 * ended (done, error, stopped) the last `endedActors` are kept.
 */
import type { InspectionEvent, Observer } from 'xstate'
import { activeIdsOf, activeLeaves, describeMachine, eventLabel, type MachineLike } from './definition.js'
import { redact } from './redact.js'
import type { ActorView, InspectorState, InspectorUpdate, TimelineEntry } from './types.js'

export interface CollectorOptions {
  /**
   * How many timeline entries are kept: the latest ones.
   *
   * @default 500
   */
  timelineSize?: number
  /**
   * How many actors that ended (done, error or stopped) are kept for the page, the latest ones.
   *
   * @default 50
   */
  endedActors?: number
  /** The clock of the timeline, in epoch ms. @default Date.now */
  now?: () => number
  /**
   * How an actor is held without keeping it alive (a seam for tests of collected actors).
   *
   * @default (actor) => new WeakRef(actor)
   */
  holdWeakly?: <T extends object>(actor: T) => { deref(): T | undefined }
}

export const DEFAULT_TIMELINE_SIZE = 500
export const DEFAULT_ENDED_ACTORS = 50

/** What is read of an actor ref (an XState `Actor`): duck-typed, so any copy of XState works. */
interface ActorRefLike {
  sessionId: string
  id?: string
  _parent?: ActorRefLike
  logic?: unknown
  getSnapshot?: () => unknown
}

/** What is read of a machine snapshot. */
interface SnapshotLike {
  status?: unknown
  value?: unknown
  context?: unknown
  tags?: Iterable<string>
  error?: unknown
  _nodes?: ReadonlyArray<{ id: string }>
  children?: Record<string, unknown>
}

interface ActorRecord {
  /** Weak: the inspector must not keep an actor alive. */
  ref: { deref(): ActorRefLike | undefined }
  view: ActorView
  /** Active leaf ids, for the timeline's transitions. */
  leaves: string[]
  /** Whether an update carrying the definition was published. */
  introduced: boolean
}

type Listener = (update: InspectorUpdate) => void

export class InspectionCollector implements Observer<InspectionEvent> {
  readonly #actors = new Map<string, ActorRecord>()
  /** Ids of ended actors, oldest first. */
  readonly #ended: string[] = []
  readonly #timeline: TimelineEntry[] = []
  readonly #listeners = new Set<Listener>()
  readonly #timelineSize: number
  readonly #endedActors: number
  readonly #now: () => number
  readonly #holdWeakly: NonNullable<CollectorOptions['holdWeakly']>
  #seq = 0

  constructor(options: CollectorOptions = {}) {
    this.#timelineSize = positiveCount(options.timelineSize ?? DEFAULT_TIMELINE_SIZE, 'timelineSize')
    this.#endedActors = positiveCount(options.endedActors ?? DEFAULT_ENDED_ACTORS, 'endedActors')
    this.#now = options.now ?? Date.now
    this.#holdWeakly = options.holdWeakly ?? ((actor) => new WeakRef(actor))
  }

  /**
   * Takes one inspection event (the observer XState calls). Unknown `@xstate.*` types are
   * ignored, and nothing here ever throws into the actor that sent the event.
   */
  readonly next = (event: InspectionEvent | { type: string }): void => {
    try {
      this.#take(event as InspectionEvent)
    } catch {
      // A malformed event (another XState version?) must not break the inspected actor.
    }
  }

  /** Everything known now: the actors, in the order they were first seen, and the timeline. */
  state(): InspectorState {
    this.refresh()
    return { actors: [...this.#actors.values()].map((record) => record.view), timeline: [...this.#timeline] }
  }

  /** Calls `listener` with every later change; returns the function that stops it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Adds `actorRef` and the machine actors below it as they are now: for an inspector attached
   * to a running system, which missed their `@xstate.actor` events.
   */
  adopt(actorRef: ActorRefLike): void {
    const record = this.#recordOf(actorRef, 'attached')
    if (record === undefined) return
    const children = (actorRef.getSnapshot?.() as SnapshotLike | undefined)?.children ?? {}
    for (const child of Object.values(children)) {
      if (isActorRef(child)) this.adopt(child)
    }
  }

  /**
   * Reads the status of every actor still shown as active. A machine that crashes (an error
   * thrown by an action) sends no inspection event: only its snapshot says so. Children's
   * crashes are also caught when their parent hears of them.
   */
  refresh(): void {
    for (const record of this.#actors.values()) this.#refreshOne(record)
  }

  #refreshOne(record: ActorRecord): void {
    if (record.view.status !== 'active') return
    const ref = record.ref.deref()
    if (ref === undefined) {
      this.#collected(record)
      return
    }
    const snapshot = safeSnapshot(ref)
    if (snapshot === undefined || statusOf(snapshot.status) === 'active') return
    this.#update(record, snapshot)
    this.#end(record, snapshot)
  }

  /**
   * An actor garbage-collected while shown as active (dropped without being stopped): it can
   * do nothing more, so it is shown stopped, and counts among the ended actors.
   */
  #collected(record: ActorRecord): void {
    record.view = { ...record.view, status: 'stopped', updatedAt: this.#now() }
    this.#publishActor(record)
    this.#end(record, {})
  }

  #take(event: InspectionEvent): void {
    const ref = event.actorRef as ActorRefLike
    if (event.type === '@xstate.actor') this.#onActor(ref)
    else if (event.type === '@xstate.event') this.#onEvent(ref, event.event, event.sourceRef as ActorRefLike)
    else if (event.type === '@xstate.snapshot')
      this.#onSnapshot(ref, event.snapshot as SnapshotLike, event.event)
    // Ignored: `@xstate.microstep`, `@xstate.action`, and the types of later versions.
  }

  #onActor(ref: ActorRefLike): void {
    if (machineOf(ref) !== undefined) {
      this.#recordOf(ref, 'created')
      return
    }
    const parent = ref._parent && this.#recordOf(ref._parent, 'first seen')
    if (parent) this.#addEntry({ actorId: parent.view.id, kind: 'actor', summary: `invokes ${nameOf(ref)}` })
  }

  #onEvent(ref: ActorRefLike, event: { type: string }, source: ActorRefLike | undefined): void {
    const record = this.#recordOf(ref, 'first seen')
    if (record === undefined) return
    // `xstate.error.actor.*` from a machine child that crashed: its snapshot tells first.
    const sender = source && this.#actors.get(source.sessionId)
    if (sender) this.#refreshOne(sender)
    const from = source && source !== ref && machineOf(source) !== undefined ? ` from ${nameOf(source)}` : ''
    this.#addEntry({
      actorId: record.view.id,
      kind: 'event',
      eventType: event.type,
      event: redact(event),
      summary: `${eventLabel(event.type)}${from}`,
    })
  }

  #onSnapshot(ref: ActorRefLike, snapshot: SnapshotLike, event: { type: string }): void {
    const record = this.#recordOf(ref, 'first seen')
    if (record === undefined) return
    const before = record.view.status
    const from = record.leaves
    this.#update(record, snapshot)
    const to = record.leaves
    if (!sameList(from, to)) {
      this.#addEntry({
        actorId: record.view.id,
        kind: 'transition',
        eventType: event.type,
        from,
        to,
        summary: `${changeSummary(from, to)} (${eventLabel(event.type)})`,
      })
    }
    if (before === 'active' && record.view.status !== 'active') this.#end(record, snapshot)
  }

  /**
   * The record of a machine actor, created (and announced on the timeline with `why`) when it is
   * new; with its parent first, if that is a machine too. `undefined` for other actors, and for
   * unknown actors that ended: an ended actor dropped from the record (an event sent to it after
   * it stopped) does not come back, past the bound of ended actors.
   */
  #recordOf(ref: ActorRefLike, why: string): ActorRecord | undefined {
    const known = this.#actors.get(ref.sessionId)
    if (known !== undefined) return known
    const machine = machineOf(ref)
    if (machine === undefined) return undefined
    // During `@xstate.actor` the actor has no snapshot yet; later, it has.
    const snapshot = safeSnapshot(ref)
    if (snapshot !== undefined && statusOf(snapshot.status) !== 'active') return undefined
    const parent = ref._parent && this.#recordOf(ref._parent, 'first seen')
    const view: ActorView = {
      id: ref.sessionId,
      name: nameOf(ref),
      ...(ref._parent ? { parentId: ref._parent.sessionId } : {}),
      machineId: machine.id,
      definition: describeMachine(machine),
      status: 'active',
      activeStateIds: [],
      value: null,
      tags: [],
      context: null,
      updatedAt: this.#now(),
    }
    const record: ActorRecord = { ref: this.#holdWeakly(ref), view, leaves: [], introduced: false }
    this.#actors.set(view.id, record)
    if (snapshot === undefined) this.#publishActor(record)
    else this.#update(record, snapshot)
    const by = parent ? ` by ${parent.view.name}` : ''
    this.#addEntry({ actorId: view.id, kind: 'actor', summary: `${why}${by} (machine ${machine.id})` })
    return record
  }

  #update(record: ActorRecord, snapshot: SnapshotLike): void {
    const definition = record.view.definition
    if (definition === undefined) return
    const activeStateIds = snapshot._nodes?.map((node) => node.id) ?? activeIdsOf(definition, snapshot.value)
    record.view = {
      ...record.view,
      status: statusOf(snapshot.status),
      activeStateIds,
      // State keys only: JSON as it is, and never a secret (a state named `tokenRefresh` stays).
      value: snapshot.value ?? null,
      tags: [...(snapshot.tags ?? [])].sort(),
      context: redact(snapshot.context),
      updatedAt: this.#now(),
    }
    record.leaves = activeLeaves(definition, activeStateIds)
    this.#publishActor(record)
  }

  #end(record: ActorRecord, snapshot: SnapshotLike): void {
    const status = record.view.status
    const why = status === 'error' ? `error: ${messageOf(snapshot.error)}` : status
    this.#addEntry({ actorId: record.view.id, kind: 'stopped', summary: why })
    this.#ended.push(record.view.id)
    while (this.#ended.length > this.#endedActors) this.#actors.delete(this.#ended.shift() as string)
  }

  #addEntry(entry: Omit<TimelineEntry, 'seq' | 'at'>): void {
    const full: TimelineEntry = { seq: ++this.#seq, at: this.#now(), ...entry }
    this.#timeline.push(full)
    if (this.#timeline.length > this.#timelineSize) this.#timeline.shift()
    this.#publish({ type: 'timeline', entry: full })
  }

  #publishActor(record: ActorRecord): void {
    if (record.introduced) {
      const { definition: _sentBefore, ...actor } = record.view
      this.#publish({ type: 'actor', actor })
    } else {
      record.introduced = true
      this.#publish({ type: 'actor', actor: record.view })
    }
  }

  #publish(update: InspectorUpdate): void {
    for (const listener of this.#listeners) {
      try {
        listener(update)
      } catch {
        // One failing subscriber must not starve the others.
      }
    }
  }
}

/** The machine an actor runs, if it runs one. */
function machineOf(ref: ActorRefLike): (MachineLike & { id: string }) | undefined {
  const logic = ref.logic as { id?: unknown; root?: { transitions?: unknown; states?: unknown } } | undefined
  const isMachine =
    typeof logic?.id === 'string' &&
    logic.root?.transitions instanceof Map &&
    typeof logic.root.states === 'object'
  return isMachine ? (logic as MachineLike & { id: string }) : undefined
}

function isActorRef(value: unknown): value is ActorRefLike {
  return typeof (value as ActorRefLike | null)?.sessionId === 'string'
}

const nameOf = (ref: ActorRefLike) => ref.id ?? ref.sessionId

function safeSnapshot(ref: ActorRefLike): SnapshotLike | undefined {
  try {
    return (ref.getSnapshot?.() as SnapshotLike | undefined) ?? undefined
  } catch {
    return undefined
  }
}

function statusOf(status: unknown): ActorView['status'] {
  return status === 'done' || status === 'error' || status === 'stopped' ? status : 'active'
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : JSON.stringify(redact(error))
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i])
}

/** `waiting → acquiring`: the leaves left and the leaves entered, by their keys. */
function changeSummary(from: readonly string[], to: readonly string[]): string {
  const keys = (ids: readonly string[]) => ids.map((id) => id.slice(id.lastIndexOf('.') + 1)).join(', ')
  const left = from.filter((id) => !to.includes(id))
  const entered = to.filter((id) => !from.includes(id))
  return `${keys(left) || '∅'} → ${keys(entered) || '∅'}`
}

function positiveCount(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`)
  return value
}
