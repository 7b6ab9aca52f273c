/**
 * The lock machine as a whole: embedded in a parent machine or standalone, an ACQUIRE sent
 * during a cleanup, the tags, and what its context and definition must never contain.
 */
import { describe, expect, it } from 'vitest'
import { type AnyStateNode, createActor, SimulatedClock, sendTo, setup } from 'xstate'
import { createLockMachine } from '../../../machines/create-lock-machine.js'
import { lockMachine } from '../../../machines/lock.machine.js'
import type { LockNotification } from '../../../machines/lock.types.js'
import {
  advanceClock,
  answer,
  collectNotifications,
  createLockFakes,
  driveToHeld,
  fakeLockMachine,
  flush,
  kvPair,
  type LockFakes,
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

describe('lock machine embedded in a parent machine', () => {
  it('sends its parent lock.acquired, lock.lost and lock.released, with the clock inherited', async () => {
    const fakes = createLockFakes()
    const received: LockNotification[] = []
    const clock = new RecordingClock()
    const errors: unknown[] = []
    const parent = createActor(parentMachine(fakes, received), { clock })
    parent.subscribe({ error: (error) => errors.push(error) })
    parent.start()

    parent.send({ type: 'LOCK' })
    await flush()
    await answer(fakes.createSession, { id: 'sess-1', elapsedMs: 0 })
    await answer(fakes.readKey, { pair: null, index: 5n })
    await answer(fakes.acquireKey, { acquired: true, lockIndex: 1n, modifyIndex: 6n })
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

    parent.send({ type: 'LOCK' })
    await flush()
    await answer(fakes.createSession, { id: 'sess-2', elapsedMs: 0 })
    await answer(fakes.readKey, { pair: null, index: 10n })
    await answer(fakes.acquireKey, { acquired: true, lockIndex: 2n, modifyIndex: 11n })
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
    parent.send({ type: 'LOCK' })
    await flush()
    await answer(fakes.createSession, { id: 'sess-1', elapsedMs: 0 })
    await answer(fakes.readKey, { pair: null, index: 5n })
    await answer(fakes.acquireKey, { acquired: true, lockIndex: 1n, modifyIndex: 6n })
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
    await driveToHeld(h)
    await answer(h.fakes.readKey, { pair: null, index: 20n })
    await answer(h.fakes.releaseKey, false)
    await answer(h.fakes.destroySession, undefined)
    expect(h.notifications.map((event) => event.type)).toEqual(['lock.acquired', 'lock.lost'])
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

describe('lock machine: an ACQUIRE during a cleanup', () => {
  it('starts once the release is done', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await h.send({ type: 'RELEASE' })
    await h.send({ type: 'ACQUIRE' })
    expect(h.snapshot().hasTag('releasing')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(1)
    await answer(h.fakes.releaseKey, true)
    await answer(h.fakes.destroySession, undefined)
    expect(h.notified('lock.released')).toHaveLength(1)
    expect(h.matches('creatingSession')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(2)
  })

  it('keeps its tryOnce and wait when it starts after a loss', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await answer(h.fakes.readKey, { pair: null, index: 20n })
    await h.send({ type: 'ACQUIRE', tryOnce: true, wait: '1s' })
    await answer(h.fakes.releaseKey, false)
    await answer(h.fakes.destroySession, undefined)
    expect(h.snapshot().context).toMatchObject({ tryOnce: true, tryWaitMs: 1_000 })
    await answer(h.fakes.createSession, { id: 'sess-2', elapsedMs: 0 })
    await h.advance(1_000)
    expect(h.notified('lock.timeout')).toHaveLength(1)
  })

  it('starts once a destroy is done', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'DESTROY' })
    await h.send({ type: 'ACQUIRE' })
    expect(h.fakes.createSession.calls).toHaveLength(0)
    await answer(h.fakes.readKey, { pair: null, index: 3n })
    expect(h.notifications).toEqual([{ type: 'lock.destroyed', key: KEY }])
    expect(h.matches('creatingSession')).toBe(true)
  })

  it('starts once a session created after CANCEL is destroyed', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'ACQUIRE' })
    await h.send({ type: 'CANCEL' })
    await h.send({ type: 'ACQUIRE' })
    expect(h.fakes.createSession.calls).toHaveLength(1)
    await answer(h.fakes.createSession, { id: 'late-sess', elapsedMs: 0 })
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('creatingSession.requested')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(2)
  })

  it('starts once an acquire answered after CANCEL is cleaned up', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'ACQUIRE' })
    await answer(h.fakes.createSession, { id: 'sess-1', elapsedMs: 0 })
    await answer(h.fakes.readKey, { pair: null, index: 5n })
    await h.send({ type: 'CANCEL' })
    await h.send({ type: 'ACQUIRE' })
    expect(h.matches('session.lock.pending.acquiring.cancelled')).toBe(true)
    await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 1n, modifyIndex: 6n })
    await answer(h.fakes.releaseKey, true)
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('creatingSession.requested')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(2)
    expect(h.notified('lock.acquired')).toEqual([])
  })

  it('is dropped by a CANCEL before a release ends', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await h.send({ type: 'RELEASE' })
    await h.send({ type: 'ACQUIRE' })
    await h.send({ type: 'CANCEL' })
    await answer(h.fakes.releaseKey, true)
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(1)
  })

  it('is dropped by a CANCEL before the cleanup after a loss ends', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await answer(h.fakes.readKey, { pair: null, index: 20n })
    await h.send({ type: 'ACQUIRE' })
    await h.send({ type: 'CANCEL' })
    await answer(h.fakes.releaseKey, false)
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(1)
  })

  it('is dropped by a CANCEL before a destroy ends', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'DESTROY' })
    await h.send({ type: 'ACQUIRE' })
    await h.send({ type: 'CANCEL' })
    await answer(h.fakes.readKey, { pair: null, index: 3n })
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(0)
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
