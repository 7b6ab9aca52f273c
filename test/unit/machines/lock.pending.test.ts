/**
 * The lock machine from `idle` to `held`: session creation, the waiting loop, acquiring,
 * the lock-delay backoff, CANCEL (and RELEASE, which means CANCEL before `held`) and the tryOnce
 * budget.
 */
import { describe, expect, it } from 'vitest'
import { SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import { InvalidOptionError, LockConflictError } from '../../../src/errors.js'
import { permissionDenied, rpcError, sessionRejection } from '../../support/consul-errors.js'
import {
  answer,
  driveToAcquiring,
  driveToWaiting,
  fail,
  finishCleanup,
  kvPair,
  type LockHarness,
  startLock,
  type WaitingScenario,
} from '../../support/lock-harness.js'

const KEY = 'service/leader'

const serverError = () => rpcError('GET', `/v1/kv/${KEY}`)

/**
 * Before `held`, RELEASE means CANCEL (the chart turns one into the other): every test of a
 * cancel runs with both commands.
 */
const CANCELS = ['CANCEL', 'RELEASE'] as const
type Cancel = (typeof CANCELS)[number]

/** From `waiting`: the key reads absent, so the lock tries to acquire it. */
async function readFree(h: LockHarness, index = 5n): Promise<void> {
  await answer(h.fakes.readKey, { pair: null, index })
}

/** From `waiting`: another session holds the key, so the lock blocks on `index`. */
async function readHeldByOther(h: LockHarness, index: bigint): Promise<void> {
  await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, session: 'other' }), index })
}

/**
 * From `idle`: ACQUIRE with its own session `sess-1` (and `scenario`), the key read free, then
 * `command` while the acquire is in flight. Returns that acquire call.
 */
async function cancelInFlight(h: LockHarness, command: Cancel, scenario: WaitingScenario = {}) {
  await driveToAcquiring(h, scenario)
  const acquire = h.fakes.acquireKey.last()
  await h.send({ type: command })
  return acquire
}

/** The answers to an acquire that leave nothing acquired. */
const UNACQUIRED = [
  [
    'not acquired',
    (h: LockHarness) => answer(h.fakes.acquireKey, { acquired: false, holder: 'other', index: 9n }),
  ],
  ['failed', (h: LockHarness) => fail(h.fakes.acquireKey, serverError())],
] as const

/**
 * From a cleanup at its session destroy: the one session destroyed is `session`; answers it,
 * and the lock is idle.
 */
async function expectSessionDestroyed(h: LockHarness, session = 'sess-1'): Promise<void> {
  expect(h.matches('abandoning.destroyingSession')).toBe(true)
  expect(h.fakes.destroySession.inputs()).toEqual([{ session }])
  await answer(h.fakes.destroySession, undefined)
  expect(h.matches('idle')).toBe(true)
}

/**
 * From an acquire in flight that was given up (lock value `node-a`, own session `sess-1`): the
 * acquire answers acquired all the same, so the key is released, then the session destroyed.
 */
async function expectAcquiredAnywayGivenBack(h: LockHarness): Promise<void> {
  await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 1n, modifyIndex: 9n })
  expect(h.matches('abandoning.releasingKey')).toBe(true)
  expect(h.fakes.releaseKey.inputs()).toEqual([{ key: KEY, session: 'sess-1', value: 'node-a' }])
  await answer(h.fakes.releaseKey, true)
  await expectSessionDestroyed(h)
}

describe('lock machine: ACQUIRE', () => {
  it('starts idle', () => {
    const h = startLock({ key: KEY })
    expect(h.matches('idle')).toBe(true)
    expect(h.snapshot().hasTag('idle')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(0)
  })

  it('creates its own session with the session options, then reads the key', async () => {
    const h = startLock({ key: KEY, sessionName: 'worker', sessionTTL: '20s', lockDelay: 0 })
    await h.send({ type: 'ACQUIRE' })
    expect(h.matches('creatingSession.requested')).toBe(true)
    expect(h.snapshot().hasTag('pending')).toBe(true)
    expect(h.fakes.createSession.inputs()).toEqual([
      { sessionOptions: { name: 'worker', ttl: '20s', lockDelay: 0 } },
    ])
    await answer(h.fakes.createSession, { id: 'sess-1', elapsedMs: 0 })
    expect(h.matches('session.renewing.keepingAlive.scheduled')).toBe(true)
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
    expect(h.snapshot().hasTag('pending')).toBe(true)
    expect(h.snapshot().context).toMatchObject({ session: 'sess-1', ownsSession: true })
    expect(h.fakes.readKey.inputs()).toEqual([{ key: KEY, index: 0n, waitMs: 15_000, consistent: false }])
  })

  it("with the caller's session: creates none, never renews it, and locks with it", async () => {
    const h = startLock({ key: KEY, session: 'caller-sess', value: 'node-a' })
    await h.send({ type: 'ACQUIRE' })
    expect(h.fakes.createSession.calls).toHaveLength(0)
    expect(h.matches('session.renewing.unmanaged')).toBe(true)
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
    expect(h.snapshot().context).toMatchObject({ session: 'caller-sess', ownsSession: false })
    await readFree(h)
    expect(h.fakes.acquireKey.inputs()).toEqual([
      { key: KEY, session: 'caller-sess', value: 'node-a', expectedModifyIndex: null },
    ])
    await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 1n, modifyIndex: 9n })
    expect(h.notified('lock.acquired')).toEqual([
      { type: 'lock.acquired', key: KEY, session: 'caller-sess', lockIndex: 1n, modifyIndex: 9n },
    ])
    await h.advance(60_000)
    expect(h.fakes.renewSession.calls).toHaveLength(0)
    expect(h.snapshot().hasTag('held')).toBe(true)
  })

  it('blocks with the configured lockWaitTime', async () => {
    const h = startLock({ key: KEY, lockWaitTime: '30s' })
    await driveToWaiting(h)
    expect(h.fakes.readKey.last().input.waitMs).toBe(30_000)
  })

  it('an ACQUIRE with an invalid wait is reported as lock.error and leaves the lock usable', async () => {
    const h = startLock({ key: KEY, session: 'caller-sess' })
    await h.send({ type: 'ACQUIRE', tryOnce: true, wait: 'soon' })
    expect(h.errors).toEqual([])
    expect(h.snapshot().status).toBe('active')
    const [notification] = h.notified('lock.error')
    expect(notification?.error).toBeInstanceOf(InvalidOptionError)
    expect(notification?.error).toMatchObject({ code: 'EINVALIDOPTION', option: 'wait' })
    await h.send({ type: 'ACQUIRE' })
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
  })

  it('ignores a second ACQUIRE while pending', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'ACQUIRE' })
    await h.send({ type: 'ACQUIRE' })
    expect(h.fakes.createSession.calls).toHaveLength(1)
    await answer(h.fakes.createSession, { id: 'sess-1', elapsedMs: 0 })
    await h.send({ type: 'ACQUIRE' })
    expect(h.fakes.createSession.calls).toHaveLength(1)
    expect(h.fakes.readKey.calls).toHaveLength(1)
  })
})

describe('lock machine: creatingSession', () => {
  it('reports a failed create as lock.error and goes back to idle', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'ACQUIRE' })
    const error = permissionDenied('PUT', '/v1/session/create')
    await fail(h.fakes.createSession, error)
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })

  it.each(CANCELS)(
    '%s does not abort the create; the late session is destroyed and nothing is acquired',
    async (command) => {
      const h = startLock({ key: KEY })
      await h.send({ type: 'ACQUIRE' })
      const create = h.fakes.createSession.last()
      await h.send({ type: command })
      expect(h.matches('creatingSession.cancelled')).toBe(true)
      expect([...h.snapshot().tags]).toEqual(['releasing'])
      expect(create.signal.aborted).toBe(false)
      await h.send({ type: command })
      expect(h.matches('creatingSession.cancelled')).toBe(true)
      await answer(h.fakes.createSession, { id: 'late-sess', elapsedMs: 0 })
      expect(h.snapshot().hasTag('releasing')).toBe(true)
      expect(h.fakes.readKey.calls).toHaveLength(0)
      expect(h.fakes.releaseKey.calls).toHaveLength(0)
      await expectSessionDestroyed(h, 'late-sess')
      expect(h.notifications).toEqual([])
      expect(h.snapshot().context.session).toBeNull()
    },
  )

  it.each(CANCELS)('%s then a failed create: back to idle, no lock.error', async (command) => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'ACQUIRE' })
    await h.send({ type: command })
    await fail(h.fakes.createSession, new Error('connection refused'))
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([])
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })
})

describe('lock machine: waiting', () => {
  it('conflicting flags with its own session: lock.error ELOCKCONFLICT, session destroyed, key untouched', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, flags: SEMAPHORE_FLAG_VALUE }), index: 8n })
    const [notification] = h.notified('lock.error')
    expect(notification?.error).toBeInstanceOf(LockConflictError)
    expect(notification?.error).toMatchObject({
      code: 'ELOCKCONFLICT',
      key: KEY,
      flags: SEMAPHORE_FLAG_VALUE,
    })
    expect(h.fakes.acquireKey.calls).toHaveLength(0)
    expect(h.fakes.releaseKey.calls).toHaveLength(0)
    await expectSessionDestroyed(h)
    expect(h.notifiedTypes()).toEqual(['lock.error'])
  })

  it("conflicting flags with the caller's session: lock.error, no release, session kept", async () => {
    const h = startLock({ key: KEY, session: 'caller-sess' })
    await h.send({ type: 'ACQUIRE' })
    await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, flags: 0n }), index: 8n })
    expect(h.matches('idle')).toBe(true)
    const [notification] = h.notified('lock.error')
    expect(notification?.error).toBeInstanceOf(LockConflictError)
    expect(notification?.error).toMatchObject({ code: 'ELOCKCONFLICT', flags: 0n })
    expect(h.fakes.destroySession.calls).toHaveLength(0)
    expect(h.fakes.releaseKey.calls).toHaveLength(0)
  })

  it('reclaims a key its session already holds, without an acquire', async () => {
    const h = startLock({ key: KEY, session: 'caller-sess' })
    await h.send({ type: 'ACQUIRE' })
    const pair = kvPair({ key: KEY, session: 'caller-sess', lockIndex: 4n, modifyIndex: 40n })
    await answer(h.fakes.readKey, { pair, index: 41n })
    expect(h.matches('session.lock.held.monitoring.watching')).toBe(true)
    expect(h.fakes.acquireKey.calls).toHaveLength(0)
    expect(h.notifications).toEqual([
      { type: 'lock.acquired', key: KEY, session: 'caller-sess', lockIndex: 4n, modifyIndex: 40n },
    ])
    expect(h.snapshot().context.lease).toEqual({ lockIndex: 4n, modifyIndex: 40n })
    // The monitor goes on from the index of the read that found the key ours.
    expect(h.fakes.readKey.last().input).toEqual({ key: KEY, index: 41n, consistent: true })
  })

  it('blocks on the returned index while another session holds the key', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    await readHeldByOther(h, 50n)
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
    expect(h.fakes.acquireKey.calls).toHaveLength(0)
    expect(h.fakes.readKey.inputs()).toEqual([
      { key: KEY, index: 0n, waitMs: 15_000, consistent: false },
      { key: KEY, index: 50n, waitMs: 15_000, consistent: false },
    ])
    expect(h.notifications).toEqual([])
  })

  it('reads at once when the index goes backwards', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    await readHeldByOther(h, 50n)
    await readHeldByOther(h, 30n)
    expect(h.fakes.readKey.last().input.index).toBe(0n)
    // Then blocks again on what the next answer says.
    await readHeldByOther(h, 31n)
    expect(h.fakes.readKey.last().input.index).toBe(31n)
  })

  it('blocks on index 1, never 0, when a held key is answered with index 0 (no busy loop)', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    await readHeldByOther(h, 0n)
    expect(h.fakes.readKey.last().input.index).toBe(1n)
    await readHeldByOther(h, 1n)
    expect(h.fakes.readKey.last().input.index).toBe(1n)
    expect(h.fakes.readKey.inputs().map((input) => input.index)).toEqual([0n, 1n, 1n])
  })

  it('an acquire lost to another session with index 0 blocks on index 1', async () => {
    const h = startLock({ key: KEY })
    await driveToAcquiring(h)
    await answer(h.fakes.acquireKey, { acquired: false, holder: 'other', index: 0n })
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
    expect(h.fakes.readKey.last().input.index).toBe(1n)
  })

  it('acquires an absent key only if it is still absent (expectedModifyIndex null)', async () => {
    const h = startLock({ key: KEY, value: 'node-a' })
    await driveToAcquiring(h)
    expect(h.matches('session.lock.pending.acquiring.inFlight')).toBe(true)
    expect(h.snapshot().hasTag('pending')).toBe(true)
    expect(h.fakes.acquireKey.inputs()).toEqual([
      { key: KEY, session: 'sess-1', value: 'node-a', expectedModifyIndex: null },
    ])
  })

  it('acquires a free existing key only at the ModifyIndex it was read at', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, modifyIndex: 12n }), index: 12n })
    expect(h.fakes.acquireKey.last().input.expectedModifyIndex).toBe(12n)
  })

  it('a failed read with its own session: lock.error, session destroyed, idle', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    const error = serverError()
    await fail(h.fakes.readKey, error)
    expect(h.notifications).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(h.fakes.releaseKey.calls).toHaveLength(0)
    await expectSessionDestroyed(h)
  })

  it("a failed read with the caller's session: lock.error, idle, nothing destroyed", async () => {
    const h = startLock({ key: KEY, session: 'caller-sess' })
    await h.send({ type: 'ACQUIRE' })
    await fail(h.fakes.readKey, serverError())
    expect(h.matches('idle')).toBe(true)
    expect(h.notified('lock.error')).toHaveLength(1)
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })

  it.each(CANCELS)(
    '%s while waiting aborts the read and destroys its own session, without a notification',
    async (command) => {
      const h = startLock({ key: KEY })
      await driveToWaiting(h)
      const read = h.fakes.readKey.last()
      await h.send({ type: command })
      expect(read.signal.aborted).toBe(true)
      expect(h.fakes.releaseKey.calls).toHaveLength(0)
      await expectSessionDestroyed(h)
      expect(h.notifications).toEqual([])
    },
  )

  it.each(CANCELS)(
    "%s while waiting with the caller's session: straight to idle, nothing released or destroyed",
    async (command) => {
      const h = startLock({ key: KEY, session: 'caller-sess' })
      await h.send({ type: 'ACQUIRE' })
      await h.send({ type: command })
      expect(h.matches('idle')).toBe(true)
      expect(h.fakes.destroySession.calls).toHaveLength(0)
      expect(h.fakes.releaseKey.calls).toHaveLength(0)
      expect(h.notifications).toEqual([])
    },
  )
})

describe('lock machine: acquiring', () => {
  it('acquired: held, with the indexes of the acquiring write, lock.acquired emitted', async () => {
    const h = startLock({ key: KEY })
    await driveToAcquiring(h)
    await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 7n, modifyIndex: 70n })
    const snapshot = h.snapshot()
    expect(snapshot.hasTag('held')).toBe(true)
    expect(snapshot.hasTag('pending')).toBe(false)
    expect(snapshot.hasTag('suspect')).toBe(false)
    expect(h.matches('session.lock.held.monitoring.watching')).toBe(true)
    expect(h.matches('session.lock.held.lease.sound')).toBe(true)
    expect(h.matches('session.renewing.keepingAlive')).toBe(true)
    expect(snapshot.context.lease).toEqual({ lockIndex: 7n, modifyIndex: 70n })
    expect(h.notifications).toEqual([
      { type: 'lock.acquired', key: KEY, session: 'sess-1', lockIndex: 7n, modifyIndex: 70n },
    ])
    // The monitor blocks from the ModifyIndex of our acquiring write at once.
    expect(h.fakes.readKey.last().input).toEqual({ key: KEY, index: 70n, consistent: true })
  })

  it('lost to another session: back to waiting, blocking on the index of the diagnosing read', async () => {
    const h = startLock({ key: KEY })
    await driveToAcquiring(h)
    await answer(h.fakes.acquireKey, { acquired: false, holder: 'other', index: 60n })
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
    expect(h.fakes.readKey.last().input).toEqual({ key: KEY, index: 60n, waitMs: 15_000, consistent: false })
    expect(h.notifications).toEqual([])
  })

  it('lock-delay: backs off 50, 100, 200, 400 ms, then retryTime, reading at once after each', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h)
    // Blocking on index 50 before the key turns free, to see the backoff reset it.
    await readHeldByOther(h, 50n)
    for (const delay of [50, 100, 200, 400, 500, 500]) {
      await readFree(h, 51n)
      await answer(h.fakes.acquireKey, { acquired: false, holder: null, index: 51n })
      expect(h.matches('session.lock.pending.backoff')).toBe(true)
      expect(h.snapshot().hasTag('pending')).toBe(true)
      const reads = h.fakes.readKey.calls.length
      await h.advance(delay - 1)
      expect(h.matches('session.lock.pending.backoff')).toBe(true)
      expect(h.fakes.readKey.calls).toHaveLength(reads)
      await h.advance(1)
      expect(h.matches('session.lock.pending.waiting')).toBe(true)
      expect(h.fakes.readKey.calls).toHaveLength(reads + 1)
      expect(h.fakes.readKey.last().input.index).toBe(0n)
    }
    expect(h.notifications).toEqual([])
  })

  it('caps the lock-delay backoff at retryTime', async () => {
    const h = startLock({ key: KEY, retryTime: '300ms' })
    await driveToWaiting(h)
    for (const delay of [50, 100, 200, 300, 300]) {
      await readFree(h)
      await answer(h.fakes.acquireKey, { acquired: false, holder: null, index: 5n })
      await h.advance(delay - 1)
      expect(h.matches('session.lock.pending.backoff')).toBe(true)
      await h.advance(1)
      expect(h.matches('session.lock.pending.waiting')).toBe(true)
    }
  })

  it('a failed acquire: lock.error, then the key is released and its own session destroyed', async () => {
    const h = startLock({ key: KEY, value: 'node-a' })
    await driveToAcquiring(h)
    // Not a session rejection (those start over with a new session, see below).
    const error = permissionDenied('PUT', '/v1/txn')
    await fail(h.fakes.acquireKey, error)
    expect(h.notifications).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(h.matches('abandoning.releasingKey')).toBe(true)
    expect(h.fakes.releaseKey.inputs()).toEqual([{ key: KEY, session: 'sess-1', value: 'node-a' }])
    await answer(h.fakes.releaseKey, false)
    await expectSessionDestroyed(h)
  })

  it("a failed acquire with the caller's session: the key is released, the session kept", async () => {
    const h = startLock({ key: KEY, session: 'caller-sess' })
    await h.send({ type: 'ACQUIRE' })
    await readFree(h)
    await fail(h.fakes.acquireKey, serverError())
    await answer(h.fakes.releaseKey, false)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.destroySession.calls).toHaveLength(0)
    expect(h.notified('lock.error')).toHaveLength(1)
  })
})

describe('lock machine: a cancel during acquiring', () => {
  it.each(CANCELS)(
    '%s waits for the answer; acquired anyway: releases the key and destroys the session',
    async (command) => {
      const h = startLock({ key: KEY, value: 'node-a' })
      const acquire = await cancelInFlight(h, command)
      expect(h.matches('session.lock.pending.acquiring.cancelled')).toBe(true)
      expect([...h.snapshot().tags]).toEqual(['releasing'])
      expect(acquire.signal.aborted).toBe(false)
      await h.send({ type: command })
      expect(h.matches('session.lock.pending.acquiring.cancelled')).toBe(true)
      expect(acquire.signal.aborted).toBe(false)
      await expectAcquiredAnywayGivenBack(h)
      expect(h.notifications).toEqual([])
    },
  )

  it.each(
    CANCELS.flatMap((command) => UNACQUIRED.map(([outcome, settle]) => [command, outcome, settle] as const)),
  )(
    '%s waits for the answer; %s: cleans up, with neither lock.acquired nor lock.error',
    async (command, _outcome, settle) => {
      const h = startLock({ key: KEY })
      await cancelInFlight(h, command)
      await settle(h)
      expect(h.snapshot().hasTag('releasing')).toBe(true)
      expect(h.fakes.readKey.calls).toHaveLength(1)
      await finishCleanup(h, false)
      expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
      expect(h.notifications).toEqual([])
    },
  )

  it.each(CANCELS)(
    '%s, then the session is gone (404) before the acquire answers: no new attempt',
    async (command) => {
      const h = startLock({ key: KEY })
      await driveToWaiting(h)
      await h.advance(7_000)
      await readFree(h)
      await h.send({ type: command })
      await h.advance(500)
      await answer(h.fakes.renewSession, null)
      // However the machine winds down, it must not start over with a new session.
      const acquire = h.fakes.acquireKey.last()
      if (!acquire.settled && !acquire.signal.aborted)
        await answer(h.fakes.acquireKey, { acquired: false, holder: null, index: 6n })
      await finishCleanup(h, false)
      expect(h.fakes.createSession.calls).toHaveLength(1)
      expect(h.matches('idle')).toBe(true)
      expect(h.notifications).toEqual([])
    },
  )

  it.each(CANCELS)('%s in backoff destroys its own session at once, and reads no more', async (command) => {
    const h = startLock({ key: KEY })
    await driveToAcquiring(h)
    await answer(h.fakes.acquireKey, { acquired: false, holder: null, index: 5n })
    await h.send({ type: command })
    await expectSessionDestroyed(h)
    await h.advance(1_000)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.readKey.calls).toHaveLength(1)
    expect(h.notifications).toEqual([])
  })
})

describe('lock machine: tryOnce budget', () => {
  /**
   * From `waiting` with `remainingMs` of a tryOnce budget left, its own session `sess-1`: the key
   * is held by another session; nothing happens until the budget is spent, then lock.timeout,
   * the read is aborted and the session destroyed.
   */
  async function expectTimeoutWhileWaiting(h: LockHarness, remainingMs: number): Promise<void> {
    await readHeldByOther(h, 50n)
    const read = h.fakes.readKey.last()
    await h.advance(remainingMs - 1)
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
    expect(h.notifications).toEqual([])
    await h.advance(1)
    expect(h.notifications).toEqual([{ type: 'lock.timeout', key: KEY }])
    expect(read.signal.aborted).toBe(true)
    await expectSessionDestroyed(h)
  }

  it('spent while waiting: lock.timeout, the read aborted, its own session destroyed', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h, { tryOnce: true, wait: '2s' })
    await expectTimeoutWhileWaiting(h, 2_000)
  })

  it("spent while waiting with the caller's session: lock.timeout and idle, nothing destroyed", async () => {
    const h = startLock({ key: KEY, session: 'caller-sess' })
    await h.send({ type: 'ACQUIRE', tryOnce: true, wait: 500 })
    await h.advance(500)
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([{ type: 'lock.timeout', key: KEY }])
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })

  it('defaults to lockWaitTime, and lockTryOnce makes a bare ACQUIRE try once', async () => {
    const h = startLock({ key: KEY, session: 'caller-sess', lockWaitTime: '3s', lockTryOnce: true })
    await h.send({ type: 'ACQUIRE' })
    await h.advance(2_999)
    expect(h.notifications).toEqual([])
    await h.advance(1)
    expect(h.notifications).toEqual([{ type: 'lock.timeout', key: KEY }])
  })

  it('spent while acquiring: the last attempt is awaited, and acquired means held', async () => {
    const h = startLock({ key: KEY })
    await driveToAcquiring(h, { tryOnce: true, wait: '1s' })
    const acquire = h.fakes.acquireKey.last()
    await h.advance(1_000)
    expect(h.matches('session.lock.pending.acquiring.lastAttempt')).toBe(true)
    expect(acquire.signal.aborted).toBe(false)
    expect(h.notifications).toEqual([])
    await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 2n, modifyIndex: 20n })
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.notifications).toEqual([
      { type: 'lock.acquired', key: KEY, session: 'sess-1', lockIndex: 2n, modifyIndex: 20n },
    ])
  })

  it('spent while acquiring, last attempt not acquired: lock.timeout and cleanup', async () => {
    const h = startLock({ key: KEY })
    await driveToAcquiring(h, { tryOnce: true, wait: '1s' })
    await h.advance(1_000)
    await answer(h.fakes.acquireKey, { acquired: false, holder: 'other', index: 30n })
    expect(h.notifications).toEqual([{ type: 'lock.timeout', key: KEY }])
    expect(h.snapshot().hasTag('releasing')).toBe(true)
    expect(h.fakes.readKey.calls).toHaveLength(1)
    await finishCleanup(h, false)
    expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
    expect(h.matches('idle')).toBe(true)
  })

  it.each(CANCELS)(
    '%s during the last attempt still waits for its answer, without lock.timeout',
    async (command) => {
      const h = startLock({ key: KEY, value: 'node-a' })
      await driveToAcquiring(h, { tryOnce: true, wait: '1s' })
      await h.advance(1_000)
      await h.send({ type: command })
      expect(h.matches('session.lock.pending.acquiring.cancelled')).toBe(true)
      await expectAcquiredAnywayGivenBack(h)
      expect(h.notifications).toEqual([])
    },
  )

  it.each(CANCELS)(
    'spent after a %s during acquiring: the acquire is still awaited, no lock.timeout',
    async (command) => {
      const h = startLock({ key: KEY })
      const acquire = await cancelInFlight(h, command, { tryOnce: true, wait: '1s' })
      await h.advance(1_000)
      expect(h.matches('session.lock.pending.acquiring.cancelled')).toBe(true)
      expect(acquire.signal.aborted).toBe(false)
      expect(h.notifications).toEqual([])
    },
  )

  it.each(CANCELS)('%s while waiting: the budget never fires a lock.timeout afterwards', async (command) => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h, { tryOnce: true, wait: '1s' })
    await h.send({ type: command })
    await answer(h.fakes.destroySession, undefined)
    await h.advance(5_000)
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([])
  })

  it('spent while the session is being created: lock.timeout at the budget, the create awaited, its late session destroyed', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'ACQUIRE', tryOnce: true, wait: '1s' })
    const create = h.fakes.createSession.last()
    await h.advance(999)
    expect(h.matches('creatingSession.requested')).toBe(true)
    expect(h.notifications).toEqual([])
    await h.advance(1)
    expect(h.notifications).toEqual([{ type: 'lock.timeout', key: KEY }])
    expect(h.matches('creatingSession.cancelled')).toBe(true)
    expect([...h.snapshot().tags]).toEqual(['releasing'])
    expect(create.signal.aborted).toBe(false)
    await answer(h.fakes.createSession, { id: 'late-sess', elapsedMs: 1_500 })
    expect(h.fakes.readKey.calls).toHaveLength(0)
    expect(h.fakes.releaseKey.calls).toHaveLength(0)
    await expectSessionDestroyed(h, 'late-sess')
    expect(h.snapshot().context.session).toBeNull()
    expect(h.notifications).toEqual([{ type: 'lock.timeout', key: KEY }])
    await h.advance(20_000)
    expect(h.fakes.renewSession.calls).toHaveLength(0)
    expect(h.notified('lock.acquired')).toEqual([])
  })

  it('spent while the session is being created, then the create fails: idle with lock.timeout only', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'ACQUIRE', tryOnce: true, wait: '1s' })
    await h.advance(1_000)
    expect(h.matches('creatingSession.cancelled')).toBe(true)
    await fail(h.fakes.createSession, new Error('connection refused'))
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([{ type: 'lock.timeout', key: KEY }])
    expect(h.fakes.destroySession.calls).toHaveLength(0)
    expect(h.fakes.readKey.calls).toHaveLength(0)
  })

  it('counts the session create: waiting gets only what the create left of the budget', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'ACQUIRE', tryOnce: true, wait: '1s' })
    await h.advance(300)
    await answer(h.fakes.createSession, { id: 'sess-1', elapsedMs: 300 })
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
    await expectTimeoutWhileWaiting(h, 700)
    expect(h.notifications).toEqual([{ type: 'lock.timeout', key: KEY }])
  })

  it.each([
    ['a bare ACQUIRE', {}, undefined],
    ['ACQUIRE with tryOnce false over lockTryOnce', { lockTryOnce: true }, false],
  ] as const)('without tryOnce a slow session create times nothing out (%s)', async (_, options, tryOnce) => {
    const h = startLock({ key: KEY, lockWaitTime: '1s', ...options })
    await h.send({ type: 'ACQUIRE', tryOnce })
    const create = h.fakes.createSession.last()
    await h.advance(5_000)
    expect(h.matches('creatingSession.requested')).toBe(true)
    expect(h.snapshot().hasTag('pending')).toBe(true)
    expect(create.signal.aborted).toBe(false)
    expect(h.notifications).toEqual([])
    await answer(h.fakes.createSession, { id: 'sess-1', elapsedMs: 5_000 })
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
    await h.advance(5_000)
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
    expect(h.fakes.readKey.calls).toHaveLength(1)
    expect(h.fakes.readKey.last().signal.aborted).toBe(false)
    expect(h.notifications).toEqual([])
  })

  it('a session gone (404) while trying does not restart the budget', async () => {
    const h = startLock({ key: KEY })
    await driveToWaiting(h, { tryOnce: true, wait: '10s' })
    await readHeldByOther(h, 50n)
    await h.advance(7_500)
    await answer(h.fakes.renewSession, null)
    if (h.matches('creatingSession.requested')) {
      await answer(h.fakes.createSession, { id: 'sess-2', elapsedMs: 0 })
    }
    await h.advance(2_500)
    expect(h.notified('lock.timeout')).toEqual([{ type: 'lock.timeout', key: KEY }])
  })

  it('without tryOnce the budget timer does nothing', async () => {
    const h = startLock({ key: KEY, lockWaitTime: '2s' })
    await driveToWaiting(h)
    await h.advance(5_000)
    expect(h.matches('session.lock.pending.waiting')).toBe(true)
    expect(h.notifications).toEqual([])
    expect(h.fakes.readKey.calls).toHaveLength(1)
    expect(h.fakes.readKey.last().signal.aborted).toBe(false)
  })

  it('ACQUIRE with tryOnce false overrides lockTryOnce', async () => {
    const h = startLock({ key: KEY, session: 'caller-sess', lockWaitTime: '1s', lockTryOnce: true })
    await h.send({ type: 'ACQUIRE', tryOnce: false })
    await h.advance(5_000)
    expect(h.snapshot().hasTag('pending')).toBe(true)
    expect(h.notifications).toEqual([])
  })
})

describe('lock machine: the lease runs out while an acquire is in flight', () => {
  const renewFailure = () => rpcError('PUT', '/v1/session/renew/sess-1')

  /** Own session `sess-1` (TTL 15 s), acquire in flight, every renew failing with `error`. */
  async function acquiringWhileRenewFails(h: LockHarness, error: Error) {
    await driveToAcquiring(h)
    h.fakes.renewSession.autoAnswer(() => {
      throw error
    })
    return h.fakes.acquireKey.last()
  }

  it('lock.error with the renew failure; the write is awaited; acquired anyway: key released, session destroyed', async () => {
    const h = startLock({ key: KEY, value: 'node-a' })
    const error = renewFailure()
    const acquire = await acquiringWhileRenewFails(h, error)
    await h.advance(14_999)
    expect(h.matches('session.lock.pending.acquiring.inFlight')).toBe(true)
    expect(h.notifications).toEqual([])
    await h.advance(1)
    expect(h.notifications).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(h.matches('session.lock.pending.acquiring.cancelled')).toBe(true)
    expect(h.snapshot().hasTag('releasing')).toBe(true)
    expect(acquire.signal.aborted).toBe(false)
    await expectAcquiredAnywayGivenBack(h)
    expect(h.notifiedTypes()).toEqual(['lock.error'])
  })

  it.each(UNACQUIRED)('%s: cleaned up with one lock.error only', async (_outcome, settle) => {
    const h = startLock({ key: KEY })
    await acquiringWhileRenewFails(h, renewFailure())
    await h.advance(15_000)
    await settle(h)
    await finishCleanup(h, false)
    expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
    expect(h.fakes.readKey.calls).toHaveLength(1)
    expect(h.notifiedTypes()).toEqual(['lock.error'])
  })

  it('during the last attempt of tryOnce: lock.error, no lock.timeout, the write still awaited', async () => {
    const h = startLock({ key: KEY, value: 'node-a' })
    await driveToAcquiring(h, { tryOnce: true, wait: '10s' })
    const error = renewFailure()
    h.fakes.renewSession.autoAnswer(() => {
      throw error
    })
    const acquire = h.fakes.acquireKey.last()
    await h.advance(10_000)
    expect(h.matches('session.lock.pending.acquiring.lastAttempt')).toBe(true)
    await h.advance(5_000)
    expect(h.matches('session.lock.pending.acquiring.cancelled')).toBe(true)
    expect(acquire.signal.aborted).toBe(false)
    expect(h.notifications).toEqual([{ type: 'lock.error', key: KEY, error }])
    await expectAcquiredAnywayGivenBack(h)
    expect(h.notifiedTypes()).toEqual(['lock.error'])
  })

  it('a session already spent when created (a slow create) is reported with an error that says so', async () => {
    const h = startLock({ key: KEY })
    await driveToAcquiring(h, { createElapsedMs: 14_000 })
    // The lease (1 s left) ends before the first renew (at 7.5 s) was even sent.
    await h.advance(1_000)
    expect(h.fakes.renewSession.calls).toHaveLength(0)
    const [notification] = h.notified('lock.error')
    expect(notification?.error).toBeInstanceOf(Error)
    expect(notification?.error.message).not.toBe('undefined')
    expect(notification?.error.message).toMatch(/session|lease|expired/i)
  })
})

describe('lock machine: an acquire refused because the session is gone (session rejection)', () => {
  it.each(['failed to lock key "service/leader": invalid session "sess-1"', 'Missing session'])(
    'its own session: starts over with a new session, then acquires with it (%s)',
    async (body) => {
      const h = startLock({ key: KEY, value: 'node-a' })
      await driveToAcquiring(h)
      await fail(h.fakes.acquireKey, sessionRejection(body))
      expect(h.matches('creatingSession.requested')).toBe(true)
      expect(h.snapshot().hasTag('pending')).toBe(true)
      expect(h.fakes.createSession.calls).toHaveLength(2)
      expect(h.notifications).toEqual([])
      // Gone on the server: nothing of it to release or destroy.
      expect(h.fakes.releaseKey.calls).toHaveLength(0)
      expect(h.fakes.destroySession.calls).toHaveLength(0)
      await answer(h.fakes.createSession, { id: 'sess-2', elapsedMs: 0 })
      expect(h.matches('session.lock.pending.waiting')).toBe(true)
      expect(h.fakes.readKey.last().input).toEqual({ key: KEY, index: 0n, waitMs: 15_000, consistent: false })
      await readFree(h)
      expect(h.matches('session.lock.pending.acquiring.inFlight')).toBe(true)
      expect(h.fakes.acquireKey.last().input).toEqual({
        key: KEY,
        session: 'sess-2',
        value: 'node-a',
        expectedModifyIndex: null,
      })
      await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 2n, modifyIndex: 12n })
      expect(h.notifications).toEqual([
        { type: 'lock.acquired', key: KEY, session: 'sess-2', lockIndex: 2n, modifyIndex: 12n },
      ])
      expect(h.fakes.destroySession.calls).toHaveLength(0)
    },
  )

  it('its own session, with tryOnce: lock.timeout and idle, nothing left to clean up', async () => {
    const h = startLock({ key: KEY })
    await driveToAcquiring(h, { tryOnce: true, wait: '10s' })
    await fail(h.fakes.acquireKey, sessionRejection())
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([{ type: 'lock.timeout', key: KEY }])
    expect(h.fakes.createSession.calls).toHaveLength(1)
    expect(h.fakes.releaseKey.calls).toHaveLength(0)
    expect(h.fakes.destroySession.calls).toHaveLength(0)
    await h.advance(20_000)
    expect(h.fakes.renewSession.calls).toHaveLength(0)
  })

  it('its own session, in the last attempt of tryOnce: lock.timeout and idle', async () => {
    const h = startLock({ key: KEY })
    await driveToAcquiring(h, { tryOnce: true, wait: '1s' })
    await h.advance(1_000)
    expect(h.matches('session.lock.pending.acquiring.lastAttempt')).toBe(true)
    await fail(h.fakes.acquireKey, sessionRejection())
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([{ type: 'lock.timeout', key: KEY }])
    expect(h.fakes.createSession.calls).toHaveLength(1)
  })

  it.each(CANCELS)('after a %s: no new session, the cleanup goes on without lock.error', async (command) => {
    const h = startLock({ key: KEY })
    await cancelInFlight(h, command)
    await fail(h.fakes.acquireKey, sessionRejection())
    expect(h.snapshot().hasTag('releasing')).toBe(true)
    await finishCleanup(h, false)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(1)
    expect(h.notifications).toEqual([])
  })

  it("the caller's session: lock.error, the key released, the session kept", async () => {
    const h = startLock({ key: KEY, session: 'caller-sess', value: 'node-a' })
    await h.send({ type: 'ACQUIRE' })
    await readFree(h)
    const error = sessionRejection()
    await fail(h.fakes.acquireKey, error)
    expect(h.notifications).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(h.matches('abandoning.releasingKey')).toBe(true)
    expect(h.fakes.releaseKey.inputs()).toEqual([{ key: KEY, session: 'caller-sess', value: 'node-a' }])
    await answer(h.fakes.releaseKey, false)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(0)
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })

  it('a 409 from elsewhere than the acquire txn is no session rejection: lock.error and cleanup', async () => {
    const h = startLock({ key: KEY })
    await driveToAcquiring(h)
    const error = sessionRejection('invalid session', `/v1/kv/${KEY}`)
    await fail(h.fakes.acquireKey, error)
    expect(h.notifications).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(h.matches('abandoning.releasingKey')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(1)
  })
})
