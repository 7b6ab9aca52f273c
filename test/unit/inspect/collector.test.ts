import { describe, expect, it, vi } from 'vitest'
import { assign, createActor, createMachine, fromPromise, sendParent, setup, waitFor } from 'xstate'
import { InspectionCollector } from '../../../src/inspect/collector.js'
import { REDACTED } from '../../../src/inspect/redact.js'
import type { InspectorUpdate, TimelineEntry } from '../../../src/inspect/types.js'

/** A clock that ticks by one millisecond per reading. */
function ticking() {
  let now = 1_000
  return () => now++
}

const door = createMachine({
  id: 'door',
  initial: 'closed',
  context: { opened: 0 },
  states: {
    closed: {
      on: { OPEN: { target: 'open', actions: assign({ opened: ({ context }) => context.opened + 1 }) } },
    },
    open: { on: { CLOSE: 'closed' } },
  },
})

const summaries = (entries: readonly TimelineEntry[]) =>
  entries.map((entry) => `${entry.kind}: ${entry.summary}`)

describe('InspectionCollector', () => {
  it('records an actor, its events and its transitions in order, and publishes each change', () => {
    const collector = new InspectionCollector({ now: ticking() })
    const updates: InspectorUpdate[] = []
    collector.subscribe((update) => updates.push(update))
    const actor = createActor(door, { inspect: collector, id: 'front' }).start()
    actor.send({ type: 'OPEN' })
    actor.send({ type: 'CLOSE' })

    const { actors, timeline } = collector.state()
    expect(summaries(timeline)).toEqual([
      'actor: created (machine door)',
      'event: xstate.init',
      'transition: ∅ → closed (xstate.init)',
      'event: OPEN',
      'transition: closed → open (OPEN)',
      'event: CLOSE',
      'transition: open → closed (CLOSE)',
    ])
    expect(timeline.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(timeline.every((entry, i) => i === 0 || entry.at > (timeline[i - 1] as TimelineEntry).at)).toBe(
      true,
    )
    expect(timeline[4]).toMatchObject({ eventType: 'OPEN', from: ['door.closed'], to: ['door.open'] })
    expect(timeline[3]).toMatchObject({ eventType: 'OPEN', event: { type: 'OPEN' } })
    expect(actors).toEqual([
      {
        id: actor.sessionId,
        name: 'front',
        machineId: 'door',
        definition: expect.objectContaining({ id: 'door', states: expect.any(Array) }),
        status: 'active',
        activeStateIds: ['door', 'door.closed'],
        value: 'closed',
        tags: [],
        context: { opened: 1 },
        updatedAt: expect.any(Number),
      },
    ])
    // Subscribers saw every timeline entry, in order, and the actor's last state.
    const published = updates.flatMap((update) => (update.type === 'timeline' ? [update.entry] : []))
    expect(published).toEqual(timeline)
    const actorUpdates = updates.flatMap((update) => (update.type === 'actor' ? [update.actor] : []))
    expect(actorUpdates.at(-1)).toEqual({ ...actors[0], definition: undefined })
    // The definition travels once per actor.
    expect(actorUpdates.filter((view) => view.definition !== undefined)).toHaveLength(1)
    expect(actorUpdates[0]?.definition).toBeDefined()
  })

  it('keeps several actors apart (several locks in one process)', () => {
    const collector = new InspectionCollector()
    const a = createActor(door, { inspect: collector, id: 'a' }).start()
    const b = createActor(door, { inspect: collector, id: 'b' }).start()
    b.send({ type: 'OPEN' })
    a.send({ type: 'OPEN' })
    a.send({ type: 'CLOSE' })
    const { actors, timeline } = collector.state()
    expect(actors.map((view) => [view.name, view.value])).toEqual([
      ['a', 'closed'],
      ['b', 'open'],
    ])
    const transitionsOf = (id: string) =>
      timeline.filter((entry) => entry.actorId === id && entry.kind === 'transition').map((entry) => entry.to)
    expect(transitionsOf(a.sessionId)).toEqual([['door.closed'], ['door.open'], ['door.closed']])
    expect(transitionsOf(b.sessionId)).toEqual([['door.closed'], ['door.open']])
  })

  it("shows an embedded machine under its parent, and a promise actor's run on the machine that invokes it", async () => {
    let resolveRead: (value: { value: string; token: string }) => void = () => {}
    const child = setup({
      actors: {
        readKey: fromPromise(() => new Promise<{ value: string; token: string }>((r) => (resolveRead = r))),
      },
    }).createMachine({
      id: 'lock',
      initial: 'waiting',
      states: {
        waiting: { invoke: { id: 'readKey', src: 'readKey', onDone: 'held' } },
        held: { tags: 'held', entry: sendParent({ type: 'lock.acquired' }) },
      },
    })
    const parent = setup({ actors: { lock: child } }).createMachine({
      id: 'service',
      initial: 'campaigning',
      invoke: { id: 'lock', src: 'lock' },
      states: { campaigning: { on: { 'lock.acquired': 'leading' } }, leading: {} },
    })
    const collector = new InspectionCollector()
    const service = createActor(parent, { inspect: collector }).start()
    const lock = service.getSnapshot().children.lock
    if (lock === undefined) throw new Error('no lock child')
    resolveRead({ value: 'node-a', token: 'secret' })
    await waitFor(service, (snapshot) => snapshot.matches('leading'))

    const { actors, timeline } = collector.state()
    expect(actors.map((view) => [view.name, view.machineId, view.parentId])).toEqual([
      [service.id, 'service', undefined],
      ['lock', 'lock', service.sessionId],
    ])
    expect(actors[1]).toMatchObject({ value: 'held', tags: ['held'], activeStateIds: ['lock', 'lock.held'] })
    const ofLock = summaries(timeline.filter((entry) => entry.actorId === lock.sessionId))
    expect(ofLock).toEqual([
      `actor: created by ${service.id} (machine lock)`,
      // XState creates the initial state's invoked actors before it starts the machine.
      'actor: invokes readKey',
      `event: xstate.init from ${service.id}`,
      'transition: ∅ → waiting (xstate.init)',
      'event: done: readKey',
      'transition: waiting → held (done: readKey)',
    ])
    const done = timeline.find((entry) => entry.eventType === 'xstate.done.actor.readKey')
    expect(done?.event).toMatchObject({ output: { value: 'node-a', token: REDACTED } })
    const ofService = summaries(timeline.filter((entry) => entry.actorId === service.sessionId))
    expect(ofService).toContain('event: lock.acquired from lock')
    expect(ofService).toContain('transition: campaigning → leading (lock.acquired)')
  })

  it('redacts contexts: secrets hidden, bigints as strings, actor refs by id', () => {
    const machine = createMachine({
      id: 'm',
      context: { token: 'abc', settings: { key: 'k', password: 'p' }, index: 9007199254740993n },
    })
    const collector = new InspectionCollector()
    createActor(machine, { inspect: collector }).start()
    const [view] = collector.state().actors
    expect(view?.context).toEqual({
      token: REDACTED,
      settings: { key: 'k', password: REDACTED },
      index: '9007199254740993',
    })
    expect(JSON.stringify(collector.state())).not.toMatch(/abc|"p"/)
  })

  it('keeps only the last `timelineSize` entries, their seq still increasing', () => {
    const collector = new InspectionCollector({ timelineSize: 20 })
    const actor = createActor(door, { inspect: collector }).start()
    // 3 entries so far; each OPEN or CLOSE adds 2 (event, transition): 3 + 2 × 34 = 71 = 20 + 51.
    for (let i = 0; i < 34; i++) actor.send({ type: i % 2 === 0 ? 'OPEN' : 'CLOSE' })
    const { timeline } = collector.state()
    expect(timeline).toHaveLength(20)
    expect(timeline.map((entry) => entry.seq)).toEqual(Array.from({ length: 20 }, (_, i) => 52 + i))
    expect(timeline.at(-1)).toMatchObject({ kind: 'transition', summary: 'open → closed (CLOSE)' })
  })

  it('keeps the last `endedActors` ended actors, and says how each ended', () => {
    const collector = new InspectionCollector({ endedActors: 2 })
    const ended = Array.from({ length: 4 }, (_, i) =>
      createActor(door, { inspect: collector, id: `d${i}` }).start(),
    )
    const live = createActor(door, { inspect: collector, id: 'live' }).start()
    for (const actor of ended) actor.stop()
    const { actors, timeline } = collector.state()
    expect(actors.map((view) => [view.name, view.status])).toEqual([
      ['d2', 'stopped'],
      ['d3', 'stopped'],
      ['live', 'active'],
    ])
    expect(timeline.filter((entry) => entry.kind === 'stopped').map((entry) => entry.summary)).toEqual(
      Array(4).fill('stopped'),
    )
    live.stop()
  })

  it('does not bring back an ended actor it dropped when a later event names it', () => {
    const collector = new InspectionCollector({ endedActors: 2 })
    const ended = Array.from({ length: 4 }, (_, i) =>
      createActor(door, { inspect: collector, id: `d${i}` }).start(),
    )
    for (const actor of ended) actor.stop()
    const before = collector.state().timeline.length
    // Events sent to stopped actors are still inspected: d0 and d1 were dropped already.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    for (const actor of ended) actor.send({ type: 'OPEN' })
    expect(warn).toHaveBeenCalledTimes(4)
    warn.mockRestore()
    const { actors, timeline } = collector.state()
    expect(actors.map((view) => [view.name, view.status])).toEqual([
      ['d2', 'stopped'],
      ['d3', 'stopped'],
    ])
    expect(summaries(timeline.slice(before))).toEqual(['event: OPEN', 'event: OPEN'])
  })

  it('shows an actor garbage-collected while active as stopped, among the bounded ended actors', () => {
    const collected = new Set<object>()
    const collector = new InspectionCollector({
      endedActors: 1,
      holdWeakly: (actor) => ({ deref: () => (collected.has(actor) ? undefined : actor) }),
    })
    const dropped = ['a', 'b'].map((id) => createActor(door, { inspect: collector, id }).start())
    const live = createActor(door, { inspect: collector, id: 'live' }).start()
    for (const actor of dropped) collected.add(actor)
    const { actors, timeline } = collector.state()
    expect(actors.map((view) => [view.name, view.status])).toEqual([
      ['b', 'stopped'],
      ['live', 'active'],
    ])
    expect(timeline.filter((entry) => entry.kind === 'stopped').map((entry) => entry.actorId)).toEqual(
      dropped.map((actor) => actor.sessionId),
    )
    live.stop()
  })

  it('records a crashed machine as an error, with its message', () => {
    const crashing = createMachine({
      id: 'crashing',
      initial: 'a',
      states: {
        a: {
          on: {
            GO: {
              actions: () => {
                throw new Error('boom')
              },
            },
          },
        },
      },
    })
    const collector = new InspectionCollector()
    const actor = createActor(crashing, { inspect: collector })
    actor.subscribe({ error: () => {} })
    actor.start().send({ type: 'GO' })
    const { actors, timeline } = collector.state()
    expect(actors[0]?.status).toBe('error')
    expect(timeline.at(-1)).toMatchObject({ kind: 'stopped', summary: 'error: boom' })
  })

  it('picks up actors it missed when attached late: from their next event, or at once with adopt', () => {
    const parent = setup({ actors: { door } }).createMachine({
      id: 'house',
      invoke: { id: 'front', src: 'door' },
    })
    const house = createActor(parent).start()
    const front = house.getSnapshot().children.front
    if (front === undefined) throw new Error('no child')
    front.send({ type: 'OPEN' })

    const late = new InspectionCollector()
    house.system.inspect(late)
    front.send({ type: 'CLOSE' })
    expect(summaries(late.state().timeline)).toEqual([
      'actor: first seen (machine house)',
      `actor: first seen by ${house.id} (machine door)`,
      'event: CLOSE',
      'transition: open → closed (CLOSE)',
    ])

    const adopting = new InspectionCollector()
    adopting.adopt(house)
    expect(adopting.state().actors.map((view) => [view.name, view.value, view.parentId])).toEqual([
      [house.id, {}, undefined],
      ['front', 'closed', house.sessionId],
    ])
    expect(summaries(adopting.state().timeline)).toEqual([
      'actor: attached (machine house)',
      `actor: attached by ${house.id} (machine door)`,
    ])
  })

  it('ignores unknown and malformed inspection events, and survives a failing subscriber', () => {
    const collector = new InspectionCollector()
    const seen: string[] = []
    collector.subscribe(() => {
      throw new Error('subscriber bug')
    })
    collector.subscribe((update) => seen.push(update.type))
    collector.next({ type: '@xstate.transition' })
    collector.next({ type: '@xstate.future', actorRef: {} } as { type: string })
    collector.next({ type: '@xstate.snapshot' })
    collector.next(null as unknown as { type: string })
    expect(collector.state()).toEqual({ actors: [], timeline: [] })
    createActor(door, { inspect: collector }).start()
    expect(seen.length).toBeGreaterThan(0)
  })
})
