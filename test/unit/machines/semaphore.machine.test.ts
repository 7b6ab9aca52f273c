/**
 * The semaphore machine as a whole: embedded in a parent machine or standalone, an ACQUIRE sent
 * during a cleanup, its tags, and what its context and definition must never contain.
 */
import { describe, expect, it } from 'vitest'
import { type Actor, type AnyStateNode, createActor, SimulatedClock, sendTo, setup } from 'xstate'
import { createSemaphoreMachine } from '../../../machines/create-semaphore-machine.js'
import { semaphoreMachine } from '../../../machines/semaphore.machine.js'
import type { SemaphoreNotification } from '../../../machines/semaphore.types.js'
import {
  advanceClock,
  answer,
  collectNotifications,
  flush,
  RecordingClock,
} from '../../support/machine-harness.js'
import { mockConsul } from '../../support/mock-consul.js'
import {
  answerCleanup,
  createSemaphoreFakes,
  driveToContending,
  driveToHeld,
  fakeSemaphoreMachine,
  finishCleanup,
  LIMIT,
  listing,
  PREFIX,
  recordPair,
  type SemaphoreFakes,
  type SemaphoreHarness,
  startSemaphore,
} from '../../support/semaphore-harness.js'

const INPUT = { prefix: PREFIX, limit: LIMIT }

/** A parent that invokes the semaphore (on `fakes`) and forwards commands to it with `sendTo`. */
function parentMachine(fakes: SemaphoreFakes, received: SemaphoreNotification[]) {
  return setup({
    types: { events: {} as SemaphoreNotification | { type: 'TAKE' } | { type: 'GIVE' } },
    actors: { slot: fakeSemaphoreMachine(fakes) },
  }).createMachine({
    id: 'worker',
    invoke: { id: 'slot', src: 'slot', input: INPUT },
    on: {
      TAKE: { actions: sendTo('slot', { type: 'ACQUIRE' }) },
      GIVE: { actions: sendTo('slot', { type: 'RELEASE' }) },
      'semaphore.*': {
        actions: ({ event }) => {
          received.push(event as SemaphoreNotification)
        },
      },
    },
  })
}

/** Sends the parent TAKE and answers the child's calls up to a written claim (as `session`). */
async function takeThroughParent(
  parent: Actor<ReturnType<typeof parentMachine>>,
  fakes: SemaphoreFakes,
  session: string,
) {
  parent.send({ type: 'TAKE' })
  await flush()
  await answer(fakes.createSession, { id: session, elapsedMs: 0 })
  await answer(fakes.acquireContender, true)
  await answer(fakes.listPrefix, listing([], { waiters: [session] }))
  await answer(fakes.writeRecord, true)
}

/** Answers a whole cleanup in which the record lists `holders`. */
async function giveBack(fakes: SemaphoreFakes, holders: readonly string[]) {
  await answer(fakes.readRecord, { pair: recordPair(holders), index: 9n })
  if (holders.length > 0) await answer(fakes.writeRecord, true)
  await answer(fakes.deleteContender, undefined)
  await answer(fakes.destroySession, undefined)
}

describe('semaphore machine embedded in a parent machine', () => {
  it('sends its parent each notification once: acquired, lost, acquired, released, with the clock inherited', async () => {
    const fakes = createSemaphoreFakes()
    const received: SemaphoreNotification[] = []
    const clock = new RecordingClock()
    const errors: unknown[] = []
    const parent = createActor(parentMachine(fakes, received), { clock })
    parent.subscribe({ error: (error) => errors.push(error) })
    parent.start()

    await takeThroughParent(parent, fakes, 'sess-1')
    expect(received).toEqual([
      { type: 'semaphore.acquired', prefix: PREFIX, session: 'sess-1', limit: LIMIT, holders: ['sess-1'] },
    ])
    // The child's renew timer runs on the parent's clock.
    await advanceClock(clock, 7_500)
    expect(fakes.renewSession.inputs()).toEqual([{ session: 'sess-1' }])

    await answer(fakes.listPrefix, { pairs: [], index: 20n })
    expect(received[1]).toEqual({ type: 'semaphore.lost', prefix: PREFIX, reason: 'key-deleted' })
    await giveBack(fakes, [])

    await takeThroughParent(parent, fakes, 'sess-2')
    parent.send({ type: 'GIVE' })
    await flush()
    await giveBack(fakes, ['sess-2'])
    expect(received.map((event) => event.type)).toEqual([
      'semaphore.acquired',
      'semaphore.lost',
      'semaphore.acquired',
      'semaphore.released',
    ])
    expect(errors).toEqual([])
    parent.stop()
  })

  it('also emits to observers of the child actor', async () => {
    const fakes = createSemaphoreFakes()
    const parent = createActor(parentMachine(fakes, []), { clock: new SimulatedClock() })
    parent.start()
    const child = parent.getSnapshot().children.slot
    if (child === undefined) throw new Error('the semaphore child was not started')
    const seen: string[] = []
    child.on('*', (event: SemaphoreNotification) => seen.push(event.type))
    await takeThroughParent(parent, fakes, 'sess-1')
    expect(seen).toEqual(['semaphore.acquired'])
    parent.stop()
  })
})

describe('semaphore machine standalone', () => {
  it('without a bound client reports semaphore.error naming createSemaphoreMachine', async () => {
    const actor = createActor(semaphoreMachine, { input: INPUT, clock: new SimulatedClock() })
    const seen = collectNotifications<typeof semaphoreMachine>(actor)
    actor.start()
    actor.send({ type: 'ACQUIRE' })
    await flush()
    const [notification] = seen
    expect(seen).toHaveLength(1)
    expect(notification?.type === 'semaphore.error' && notification.error.message).toMatch(
      /createSemaphoreMachine/,
    )
    expect(actor.getSnapshot().matches('idle')).toBe(true)
    actor.stop()
  })

  it('rejects invalid options when started, before any request', () => {
    const actor = createActor(semaphoreMachine, { input: { prefix: PREFIX, limit: 0 } })
    const errors: unknown[] = []
    actor.subscribe({ error: (error) => errors.push(error) })
    actor.start()
    expect(errors).toEqual([expect.objectContaining({ code: 'EINVALIDOPTION', option: 'limit' })])
  })

  it('an ACQUIRE with an invalid wait is reported as semaphore.error and leaves it usable', async () => {
    const h = startSemaphore(INPUT)
    await h.send({ type: 'ACQUIRE', tryOnce: true, wait: -5 })
    expect(h.notified('semaphore.error')[0]?.error).toMatchObject({ code: 'EINVALIDOPTION', option: 'wait' })
    expect(h.matches('idle')).toBe(true)
    await driveToContending(h)
  })

  it('stopping the actor aborts the calls in flight', async () => {
    const h = startSemaphore(INPUT)
    await driveToHeld(h)
    const monitor = h.fakes.listPrefix.last()
    h.stop()
    expect(monitor.signal.aborted).toBe(true)
  })

  it('createSemaphoreMachine gives one client one machine', async () => {
    const mock = mockConsul()
    try {
      const consul = mock.client()
      expect(createSemaphoreMachine(consul)).toBe(createSemaphoreMachine(consul))
      expect(createSemaphoreMachine(mock.client())).not.toBe(createSemaphoreMachine(consul))
    } finally {
      await mock.done()
    }
  })
})

/** A cleanup an ACQUIRE can arrive during, from idle, and how to finish it. */
const CLEANUPS: {
  cleanup: string
  start(h: SemaphoreHarness): Promise<void>
  finish(h: SemaphoreHarness): Promise<void>
}[] = [
  {
    cleanup: 'a release',
    async start(h) {
      await driveToHeld(h)
      await h.send({ type: 'RELEASE' })
    },
    finish: (h) => answerCleanup(h, ['sess-1']),
  },
  {
    cleanup: 'the cleanup after a loss',
    async start(h) {
      await driveToHeld(h)
      await answer(h.fakes.listPrefix, { pairs: [], index: 30n })
    },
    finish: (h) => answerCleanup(h),
  },
  {
    cleanup: 'a destroy',
    start: (h) => h.send({ type: 'DESTROY' }),
    finish: (h) => answer(h.fakes.listPrefix, { pairs: [], index: 3n }),
  },
  {
    cleanup: 'a cancelled contender write',
    async start(h) {
      await driveToContending(h)
      await h.send({ type: 'CANCEL' })
    },
    async finish(h) {
      await answer(h.fakes.acquireContender, true)
      await answerCleanup(h)
    },
  },
]

describe('semaphore machine: an ACQUIRE during a cleanup', () => {
  it.each(CLEANUPS)('during $cleanup: waits, and starts once it is done', async ({ start, finish }) => {
    const h = startSemaphore(INPUT)
    await start(h)
    const cleaning = h.snapshot().value
    const creates = h.fakes.createSession.calls.length
    await h.send({ type: 'ACQUIRE', tryOnce: true, wait: '1s' })
    expect(h.snapshot().value).toEqual(cleaning)
    expect(h.fakes.createSession.calls).toHaveLength(creates)
    await finish(h)
    expect(h.matches('creatingSession.requested')).toBe(true)
    expect(h.snapshot().context).toMatchObject({ tryOnce: true, tryWaitMs: 1_000 })
  })

  it.each(CLEANUPS)('during $cleanup: dropped by a CANCEL before it ends', async ({ start, finish }) => {
    const h = startSemaphore(INPUT)
    await start(h)
    const creates = h.fakes.createSession.calls.length
    await h.send({ type: 'ACQUIRE' })
    await h.send({ type: 'CANCEL' })
    await finish(h)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(creates)
  })
})

describe('semaphore machine: tags', () => {
  it('names every phase with one of the public tags, as the lock does', async () => {
    const h = startSemaphore(INPUT)
    const tags = () => [...h.snapshot().tags].sort()
    expect(tags()).toEqual(['idle'])
    await h.send({ type: 'ACQUIRE' })
    expect(tags()).toEqual(['pending'])
    await answer(h.fakes.createSession, { id: 'sess-1', elapsedMs: 0 })
    expect(tags()).toEqual(['pending'])
    await answer(h.fakes.acquireContender, true)
    expect(tags()).toEqual(['pending'])
    await answer(h.fakes.listPrefix, listing([], { waiters: ['sess-1'] }))
    expect(tags()).toEqual(['pending'])
    await answer(h.fakes.writeRecord, true)
    expect(tags()).toEqual(['held'])
    await h.send({ type: 'RELEASE' })
    expect(tags()).toEqual(['releasing'])
    await finishCleanup(h, ['sess-1'])
    expect(tags()).toEqual(['idle'])
    await h.send({ type: 'DESTROY' })
    expect(tags()).toEqual(['destroying'])
  })
})

/** Every state node of the machine, depth first. */
function stateNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => stateNodes(child))]
}

describe('semaphore machine: what it keeps', () => {
  it('has only plain data in its context while held, and no token', async () => {
    const h = startSemaphore({ ...INPUT, value: Buffer.from('node-a') })
    await driveToHeld(h)
    const context = h.snapshot().context
    const plain = (value: unknown): boolean =>
      value === null ||
      value instanceof Uint8Array ||
      ['string', 'number', 'boolean', 'bigint', 'undefined'].includes(typeof value) ||
      (Array.isArray(value) && value.every(plain)) ||
      (typeof value === 'object' &&
        Object.getPrototypeOf(value) === Object.prototype &&
        Object.values(value as object).every(plain))
    expect(plain(context)).toBe(true)
    expect(
      JSON.stringify(context, (_key, item) => (typeof item === 'bigint' ? `${item}` : item)),
    ).not.toMatch(/token/i)
  })

  it('hard-codes no systemId', () => {
    const invokes = stateNodes(semaphoreMachine.root).flatMap((node) => node.invoke)
    expect(invokes.length).toBeGreaterThan(0)
    for (const invoke of invokes) expect(invoke.systemId).toBeUndefined()
  })
})
