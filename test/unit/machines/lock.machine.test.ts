/**
 * The lock machine as a whole: embedded in a parent machine or standalone, an ACQUIRE sent
 * during a cleanup, the tags, and what its context and definition must never contain.
 */
import { describe, expect, it } from 'vitest'
import { type Actor, type AnyStateNode, createActor, SimulatedClock, sendTo, setup } from 'xstate'
import { createLockMachine } from '../../../machines/create-lock-machine.js'
import { lockMachine } from '../../../machines/lock.machine.js'
import type { LockNotification } from '../../../machines/lock.types.js'
import {
  advanceClock,
  answer,
  collectNotifications,
  createLockFakes,
  driveToAcquiring,
  driveToHeld,
  fakeLockMachine,
  finishCleanup,
  flush,
  kvPair,
  type LockFakes,
  type LockHarness,
  RecordingClock,
  startLock,
} from '../../support/lock-harness.js'
import { mockConsul } from '../../support/mock-consul.js'

const KEY = 'service/leader'

/** A parent that invokes the lock (on `fakes`) and forwards commands to it with `sendTo`. */
function parentMachine(fakes: LockFakes, received: LockNotification[]) {
  return setup({
    types: {
      events: {} as LockNotification | { type: 'LOCK' } | { type: 'UNLOCK' },
    },
    actors: { lock: fakeLockMachine(fakes) },
  }).createMachine({
    id: 'service',
    invoke: { id: 'lock', src: 'lock', input: { key: KEY, value: 'service-a' } },
    on: {
      LOCK: { actions: sendTo('lock', { type: 'ACQUIRE' }) },
      UNLOCK: { actions: sendTo('lock', { type: 'RELEASE' }) },
      'lock.*': {
        actions: ({ event }) => {
          received.push(event as LockNotification)
        },
      },
    },
  })
}

/**
 * Sends the parent LOCK and answers the child's session create (as `session`), its read (key
 * free) and its acquire (at `modifyIndex`): the child ends held.
 */
async function lockThroughParent(
  parent: Actor<ReturnType<typeof parentMachine>>,
  fakes: LockFakes,
  session: string,
  modifyIndex: bigint,
): Promise<void> {
  parent.send({ type: 'LOCK' })
  await flush()
  await answer(fakes.createSession, { id: session, elapsedMs: 0 })
  await answer(fakes.readKey, { pair: null, index: modifyIndex - 1n })
  await answer(fakes.acquireKey, { acquired: true, lockIndex: 1n, modifyIndex })
}

/** From idle: held (own session `sess-1`), then the monitor finds the key gone: `abandoning`. */
async function heldThenLost(h: LockHarness): Promise<void> {
  await driveToHeld(h)
  await answer(h.fakes.readKey, { pair: null, index: 20n })
}

describe('lock machine embedded in a parent machine', () => {
  it('sends its parent lock.acquired, lock.lost and lock.released, with the clock inherited', async () => {
    const fakes = createLockFakes()
    const received: LockNotification[] = []
    const clock = new RecordingClock()
    const errors: unknown[] = []
    const parent = createActor(parentMachine(fakes, received), { clock })
    parent.subscribe({ error: (error) => errors.push(error) })
    parent.start()

    await lockThroughParent(parent, fakes, 'sess-1', 6n)
    expect(received).toEqual([
      { type: 'lock.acquired', key: KEY, session: 'sess-1', lockIndex: 1n, modifyIndex: 6n },
    ])

    // The child's renew timer runs on the parent's clock.
    await advanceClock(clock, 7_500)
    expect(fakes.renewSession.inputs()).toEqual([{ session: 'sess-1' }])
    await answer(fakes.renewSession, { ttlMs: 15_000, elapsedMs: 0 })

    await answer(fakes.readKey, { pair: kvPair({ key: KEY, session: 'other' }), index: 9n })
    expect(received.map((event) => event.type)).toEqual(['lock.acquired', 'lock.lost'])
    expect(received[1]).toEqual({ type: 'lock.lost', key: KEY, reason: 'taken' })
    await answer(fakes.releaseKey, false)
    await answer(fakes.destroySession, undefined)

    await lockThroughParent(parent, fakes, 'sess-2', 11n)
    parent.send({ type: 'UNLOCK' })
    await flush()
    await answer(fakes.releaseKey, true)
    await answer(fakes.destroySession, undefined)
    expect(received.map((event) => event.type)).toEqual([
      'lock.acquired',
      'lock.lost',
      'lock.acquired',
      'lock.released',
    ])
    expect(errors).toEqual([])
    parent.stop()
  })

  it('also emits to observers of the child actor', async () => {
    const fakes = createLockFakes()
    const parent = createActor(parentMachine(fakes, []), { clock: new SimulatedClock() })
    parent.start()
    const child = parent.getSnapshot().children.lock
    if (child === undefined) throw new Error('the lock child was not started')
    const seen: string[] = []
    child.on('*', (event: LockNotification) => seen.push(event.type))
    await lockThroughParent(parent, fakes, 'sess-1', 6n)
    expect(seen).toEqual(['lock.acquired'])
    parent.stop()
  })

  it('two locks embedded in one system do not collide (no hard-coded systemId)', async () => {
    const one = createLockFakes()
    const two = createLockFakes()
    const machine = setup({
      actors: { first: fakeLockMachine(one), second: fakeLockMachine(two) },
    }).createMachine({
      invoke: [
        { id: 'a', src: 'first', input: { key: 'a' } },
        { id: 'b', src: 'second', input: { key: 'b' } },
      ],
      entry: [sendTo('a', { type: 'ACQUIRE' }), sendTo('b', { type: 'ACQUIRE' })],
    })
    const errors: unknown[] = []
    const parent = createActor(machine, { clock: new SimulatedClock() })
    parent.subscribe({ error: (error) => errors.push(error) })
    parent.start()
    await flush()
    expect(errors).toEqual([])
    expect(one.createSession.calls).toHaveLength(1)
    expect(two.createSession.calls).toHaveLength(1)
    parent.stop()
  })
})

describe('lock machine standalone', () => {
  it('runs a whole cycle without a parent and without errors', async () => {
    const h = startLock({ key: KEY })
    await heldThenLost(h)
    await finishCleanup(h, false)
    expect(h.notifiedTypes()).toEqual(['lock.acquired', 'lock.lost'])
    expect(h.errors).toEqual([])
    expect(h.snapshot().status).toBe('active')
    expect(h.matches('idle')).toBe(true)
  })

  it('without a bound client reports lock.error naming createLockMachine', async () => {
    const actor = createActor(lockMachine, { input: { key: KEY }, clock: new SimulatedClock() })
    const seen = collectNotifications(actor)
    actor.start()
    actor.send({ type: 'ACQUIRE' })
    await flush()
    expect(seen).toHaveLength(1)
    const [notification] = seen
    expect(notification?.type).toBe('lock.error')
    expect(notification?.type === 'lock.error' && notification.error.message).toMatch(/createLockMachine/)
    expect(actor.getSnapshot().matches('idle')).toBe(true)
    actor.stop()
  })

  it('stopping the actor aborts the calls in flight', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    const monitor = h.fakes.readKey.last()
    h.stop()
    expect(monitor.signal.aborted).toBe(true)
  })
})

/** A cleanup an ACQUIRE can arrive during. */
interface Cleanup {
  cleanup: string
  /** From idle into the cleanup. */
  start(h: LockHarness): Promise<void>
  /** Answers what is left of the cleanup. */
  finish(h: LockHarness): Promise<void>
  /** The notifications of the whole run, oldest first. */
  emitted: string[]
}

const CLEANUPS: Cleanup[] = [
  {
    cleanup: 'a release',
    async start(h) {
      await driveToHeld(h)
      await h.send({ type: 'RELEASE' })
    },
    async finish(h) {
      await answer(h.fakes.releaseKey, true)
      await answer(h.fakes.destroySession, undefined)
    },
    emitted: ['lock.acquired', 'lock.released'],
  },
  {
    cleanup: 'the cleanup after a loss',
    start: heldThenLost,
    async finish(h) {
      await answer(h.fakes.releaseKey, false)
      await answer(h.fakes.destroySession, undefined)
    },
    emitted: ['lock.acquired', 'lock.lost'],
  },
  {
    cleanup: 'a destroy',
    start: (h) => h.send({ type: 'DESTROY' }),
    finish: (h) => answer(h.fakes.readKey, { pair: null, index: 3n }),
    emitted: ['lock.destroyed'],
  },
  {
    cleanup: 'the destroy of a session created after CANCEL',
    async start(h) {
      await h.send({ type: 'ACQUIRE' })
      await h.send({ type: 'CANCEL' })
    },
    async finish(h) {
      await answer(h.fakes.createSession, { id: 'late-sess', elapsedMs: 0 })
      await answer(h.fakes.destroySession, undefined)
    },
    emitted: [],
  },
  {
    cleanup: 'the cleanup of an acquire answered after CANCEL',
    async start(h) {
      await driveToAcquiring(h)
      await h.send({ type: 'CANCEL' })
    },
    async finish(h) {
      await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 1n, modifyIndex: 6n })
      await answer(h.fakes.releaseKey, true)
      await answer(h.fakes.destroySession, undefined)
    },
    emitted: [],
  },
]

describe('lock machine: an ACQUIRE during a cleanup', () => {
  for (const { cleanup, start, finish, emitted } of CLEANUPS) {
    it(`during ${cleanup}: waits, and starts once it is done`, async () => {
      const h = startLock({ key: KEY })
      await start(h)
      const cleaning = h.snapshot().value
      const creates = h.fakes.createSession.calls.length
      await h.send({ type: 'ACQUIRE' })
      expect(h.snapshot().value).toEqual(cleaning)
      expect(h.fakes.createSession.calls).toHaveLength(creates)
      await finish(h)
      expect(h.notifiedTypes()).toEqual(emitted)
      expect(h.matches('creatingSession.requested')).toBe(true)
      expect(h.fakes.createSession.calls).toHaveLength(creates + 1)
    })

    it(`during ${cleanup}: dropped by a CANCEL before it ends`, async () => {
      const h = startLock({ key: KEY })
      await start(h)
      const creates = h.fakes.createSession.calls.length
      await h.send({ type: 'ACQUIRE' })
      await h.send({ type: 'CANCEL' })
      await finish(h)
      expect(h.notifiedTypes()).toEqual(emitted)
      expect(h.matches('idle')).toBe(true)
      expect(h.fakes.createSession.calls).toHaveLength(creates)
    })
  }

  it('keeps its tryOnce and wait when it starts after a loss', async () => {
    const h = startLock({ key: KEY })
    await heldThenLost(h)
    await h.send({ type: 'ACQUIRE', tryOnce: true, wait: '1s' })
    await answer(h.fakes.releaseKey, false)
    await answer(h.fakes.destroySession, undefined)
    expect(h.snapshot().context).toMatchObject({ tryOnce: true, tryWaitMs: 1_000 })
    await answer(h.fakes.createSession, { id: 'sess-2', elapsedMs: 0 })
    await h.advance(1_000)
    expect(h.notified('lock.timeout')).toHaveLength(1)
  })
})

describe('lock machine: tags', () => {
  it('names every phase with one of the public tags', async () => {
    const h = startLock({ key: KEY })
    const tags = () => [...h.snapshot().tags].sort()
    expect(tags()).toEqual(['idle'])
    await h.send({ type: 'ACQUIRE' })
    expect(tags()).toEqual(['pending'])
    await answer(h.fakes.createSession, { id: 'sess-1', elapsedMs: 0 })
    expect(tags()).toEqual(['pending'])
    await answer(h.fakes.readKey, { pair: null, index: 5n })
    await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 1n, modifyIndex: 6n })
    expect(tags()).toEqual(['held'])
    await h.send({ type: 'RELEASE' })
    expect(tags()).toEqual(['releasing'])
    await answer(h.fakes.releaseKey, true)
    await answer(h.fakes.destroySession, undefined)
    expect(tags()).toEqual(['idle'])
    await h.send({ type: 'DESTROY' })
    expect(tags()).toEqual(['destroying'])
  })
})

/** JSON with bigints as strings. */
const toJson = (value: unknown) =>
  JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? item.toString() : item))

/** Every state node of the machine, depth first. */
function stateNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => stateNodes(child))]
}

describe('lock machine: what it keeps', () => {
  it('keeps no client and no token in its context, only plain data', async () => {
    const mock = mockConsul()
    const token = 'b1gs3cr3t-acl-token-0000'
    try {
      const consul = mock.client({ token })
      const actor = createActor(createLockMachine(consul), {
        input: { key: KEY },
        clock: new SimulatedClock(),
      })
      actor.start()
      const json = toJson(actor.getSnapshot().context)
      expect(json).not.toContain(token)
      expect(json.toLowerCase()).not.toContain('token')
      expect(toJson(actor.getPersistedSnapshot())).not.toContain(token)
      actor.stop()
    } finally {
      await mock.done()
    }
  })

  it('has only plain data in its context while held', async () => {
    const h = startLock({ key: KEY, value: 'node-a' })
    await driveToHeld(h)
    const context = h.snapshot().context
    const json = toJson(context)
    expect(json.toLowerCase()).not.toContain('token')
    const plain = (value: unknown): boolean =>
      value === null ||
      ['string', 'number', 'boolean', 'bigint', 'undefined'].includes(typeof value) ||
      (Array.isArray(value) && value.every(plain)) ||
      (typeof value === 'object' &&
        Object.getPrototypeOf(value) === Object.prototype &&
        Object.values(value as object).every(plain))
    expect(plain(context)).toBe(true)
  })

  it('hard-codes no systemId', () => {
    const invokes = stateNodes(lockMachine.root).flatMap((node) => node.invoke)
    expect(invokes.length).toBeGreaterThan(0)
    for (const invoke of invokes) expect(invoke.systemId).toBeUndefined()
    expect(toJson(lockMachine.definition)).not.toContain('systemId')
  })
})
