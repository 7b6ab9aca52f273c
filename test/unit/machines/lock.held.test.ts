/**
 * The lock machine while held: the monitor (watching ⇄ retrying), RELEASE (and CANCEL, which
 * means RELEASE once held), and what a loss leaves behind (abandoning → idle, after which
 * ACQUIRE works again).
 */
import { describe, expect, it } from 'vitest'
import type { LockOptions } from '../../../machines/lock.options.js'
import { ConsulTransportError } from '../../../src/errors.js'
import { noClusterLeader, permissionDenied } from '../../support/consul-errors.js'
import { answer, driveToHeld, fail, kvPair, type LockHarness, startLock } from '../../support/lock-harness.js'

const KEY = 'service/leader'

/** Once held, CANCEL means RELEASE: every test of a release runs with both commands. */
const RELEASES = ['RELEASE', 'CANCEL'] as const

const ours = (modifyIndex = 10n) => kvPair({ key: KEY, session: 'sess-1', modifyIndex })
const retryable = () => noClusterLeader('GET', `/v1/kv/${KEY}`)

async function held(options: Partial<LockOptions> = {}): Promise<LockHarness> {
  const h = startLock({ key: KEY, value: 'node-a', ...options })
  await driveToHeld(h, { session: 'sess-1', lockIndex: 3n, modifyIndex: 10n })
  return h
}

/** From `abandoning`: answers the release and the session destroy. */
async function finishAbandoning(h: LockHarness): Promise<void> {
  expect(h.matches('abandoning.releasingKey')).toBe(true)
  expect(h.fakes.releaseKey.last().input).toEqual({ key: KEY, session: 'sess-1', value: 'node-a' })
  await answer(h.fakes.releaseKey, false)
  expect(h.fakes.destroySession.last().input).toEqual({ session: 'sess-1' })
  await answer(h.fakes.destroySession, undefined)
  expect(h.matches('idle')).toBe(true)
}

describe('lock machine: monitoring', () => {
  it('watches the key with consistent blocking reads, from our own write, then on the index of the last answer', async () => {
    const h = await held()
    // A key's read index is its ModifyIndex, so the first read already blocks from our write.
    expect(h.fakes.readKey.last().input).toEqual({ key: KEY, index: 10n, consistent: true })
    await answer(h.fakes.readKey, { pair: ours(), index: 21n })
    expect(h.matches('session.lock.held.monitoring.watching')).toBe(true)
    expect(h.fakes.readKey.last().input).toEqual({ key: KEY, index: 21n, consistent: true })
    await answer(h.fakes.readKey, { pair: ours(), index: 22n })
    expect(h.fakes.readKey.last().input.index).toBe(22n)
    expect(h.notifiedTypes()).toEqual(['lock.acquired'])
  })

  it.each([
    ['key-deleted', 'the key is gone', null],
    ['session-invalidated', 'the key has no session', kvPair({ key: KEY })],
    ['taken', 'another session holds the key', kvPair({ key: KEY, session: 'other' })],
  ] as const)('lost(%s) when %s, then cleaned up', async (reason, _when, pair) => {
    const h = await held()
    await answer(h.fakes.readKey, { pair, index: 30n })
    expect(h.notified('lock.lost')).toEqual([{ type: 'lock.lost', key: KEY, reason }])
    expect(h.snapshot().hasTag('held')).toBe(false)
    expect(h.snapshot().hasTag('releasing')).toBe(true)
    await finishAbandoning(h)
    expect(h.notifiedTypes()).toEqual(['lock.acquired', 'lock.lost'])
    expect(h.snapshot().context).toMatchObject({ session: null, lease: null, ownsSession: false })
  })

  it('lost(monitor-failed) at the first failed read with monitorRetries 0', async () => {
    const h = await held()
    await fail(h.fakes.readKey, retryable())
    expect(h.notifiedTypes()).toEqual(['lock.acquired', 'lock.lost'])
    expect(h.notified('lock.lost')).toEqual([{ type: 'lock.lost', key: KEY, reason: 'monitor-failed' }])
    await finishAbandoning(h)
  })

  it('with monitorRetries 2: suspect while retrying, reads at once after monitorRetryTime', async () => {
    const h = await held({ monitorRetries: 2 })
    await answer(h.fakes.readKey, { pair: ours(), index: 21n })
    const error = retryable()
    await fail(h.fakes.readKey, error)
    expect(h.matches('session.lock.held.monitoring.retrying')).toBe(true)
    expect(h.snapshot().hasTag('suspect')).toBe(true)
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.notified('lock.suspect')).toEqual([
      { type: 'lock.suspect', key: KEY, cause: 'monitor-failed', error },
    ])
    const reads = h.fakes.readKey.calls.length
    await h.advance(1_999)
    expect(h.fakes.readKey.calls).toHaveLength(reads)
    await h.advance(1)
    expect(h.fakes.readKey.calls).toHaveLength(reads + 1)
    expect(h.fakes.readKey.last().input).toEqual({ key: KEY, index: 0n, consistent: true })
    // Still suspect while the re-read is in flight: only a good answer clears it.
    expect(h.snapshot().hasTag('suspect')).toBe(true)
    await answer(h.fakes.readKey, { pair: ours(), index: 25n })
    expect(h.matches('session.lock.held.monitoring.watching')).toBe(true)
    expect(h.snapshot().hasTag('suspect')).toBe(false)
    expect(h.snapshot().context.monitorFailures).toBe(0)
    expect(h.fakes.readKey.last().input.index).toBe(25n)
  })

  it('with monitorRetries 2: a good read resets the count; the third failure in a row is a loss', async () => {
    const h = await held({ monitorRetries: 2, monitorRetryTime: '1s' })
    const failOnce = async () => {
      await fail(
        h.fakes.readKey,
        new ConsulTransportError({ method: 'GET', path: '/v1/kv', cause: new Error('ECONNRESET') }),
      )
    }
    await failOnce()
    await h.advance(1_000)
    await failOnce()
    expect(h.snapshot().context.monitorFailures).toBe(2)
    await h.advance(1_000)
    await answer(h.fakes.readKey, { pair: ours(), index: 40n })
    expect(h.snapshot().context.monitorFailures).toBe(0)
    expect(h.snapshot().hasTag('suspect')).toBe(false)
    await failOnce()
    await h.advance(1_000)
    await failOnce()
    expect(h.matches('session.lock.held.monitoring.retrying')).toBe(true)
    expect(h.notified('lock.lost')).toEqual([])
    await h.advance(1_000)
    await failOnce()
    expect(h.notified('lock.lost')).toEqual([{ type: 'lock.lost', key: KEY, reason: 'monitor-failed' }])
    // One lock.suspect per suspect spell, not per failed read.
    expect(h.notified('lock.suspect')).toHaveLength(2)
    await finishAbandoning(h)
  })

  it('a non-retryable read error is a loss at once, whatever monitorRetries says', async () => {
    const h = await held({ monitorRetries: 2 })
    await fail(h.fakes.readKey, permissionDenied('GET', `/v1/kv/${KEY}`))
    expect(h.notified('lock.suspect')).toEqual([])
    expect(h.notified('lock.lost')).toEqual([{ type: 'lock.lost', key: KEY, reason: 'monitor-failed' }])
    await finishAbandoning(h)
  })
})

describe('lock machine: RELEASE (CANCEL means the same once held)', () => {
  it.each(RELEASES)(
    '%s releases the key, then destroys its session, then idle and lock.released',
    async (command) => {
      const h = await held()
      const monitor = h.fakes.readKey.last()
      await h.send({ type: command })
      expect(monitor.signal.aborted).toBe(true)
      expect(h.matches('releasing.releasingKey')).toBe(true)
      expect(h.snapshot().hasTag('releasing')).toBe(true)
      expect(h.snapshot().hasTag('held')).toBe(false)
      expect(h.fakes.releaseKey.inputs()).toEqual([{ key: KEY, session: 'sess-1', value: 'node-a' }])
      expect(h.fakes.destroySession.calls).toHaveLength(0)
      await answer(h.fakes.releaseKey, true)
      expect(h.matches('releasing.destroyingSession')).toBe(true)
      expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
      expect(h.notified('lock.released')).toEqual([])
      await answer(h.fakes.destroySession, undefined)
      expect(h.matches('idle')).toBe(true)
      expect(h.notifiedTypes()).toEqual(['lock.acquired', 'lock.released'])
      expect(h.notified('lock.released')).toEqual([{ type: 'lock.released', key: KEY }])
      expect(h.snapshot().context).toMatchObject({ session: null, lease: null, ownsSession: false })
    },
  )

  it('a refused release is reported as lock.error, and the session is destroyed all the same', async () => {
    const h = await held()
    await h.send({ type: 'RELEASE' })
    // Not retryable (retryable failures are retried first: lock.cleanup.test.ts).
    const error = permissionDenied('PUT', `/v1/kv/${KEY}`)
    await fail(h.fakes.releaseKey, error)
    expect(h.notified('lock.error')).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('idle')).toBe(true)
  })

  it('a failed destroy is reported as lock.error, and the lock is idle', async () => {
    const h = await held()
    await h.send({ type: 'RELEASE' })
    await answer(h.fakes.releaseKey, true)
    await fail(h.fakes.destroySession, new Error('socket hang up'))
    expect(h.notified('lock.error')).toHaveLength(1)
    expect(h.matches('idle')).toBe(true)
  })

  it.each(RELEASES)(
    "%s with the caller's session: releases the key and never destroys the session",
    async (command) => {
      const h = startLock({ key: KEY, session: 'caller-sess' })
      await driveToHeld(h)
      await h.send({ type: command })
      expect(h.fakes.releaseKey.inputs()).toEqual([{ key: KEY, session: 'caller-sess', value: null }])
      await answer(h.fakes.releaseKey, true)
      expect(h.matches('idle')).toBe(true)
      expect(h.notified('lock.released')).toEqual([{ type: 'lock.released', key: KEY }])
      expect(h.fakes.destroySession.calls).toHaveLength(0)
    },
  )

  it("a failed release with the caller's session: lock.error, then idle", async () => {
    const h = startLock({ key: KEY, session: 'caller-sess' })
    await driveToHeld(h)
    await h.send({ type: 'RELEASE' })
    const error = new Error('socket hang up')
    await fail(h.fakes.releaseKey, error)
    expect(h.notified('lock.error')).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })

  it('is ignored while idle', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'RELEASE' })
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([])
    expect(h.fakes.releaseKey.calls).toHaveLength(0)
    expect(h.fakes.createSession.calls).toHaveLength(0)
  })

  it('is ignored while releasing: one release, one lock.released', async () => {
    const h = await held()
    await h.send({ type: 'RELEASE' })
    await h.send({ type: 'RELEASE' })
    expect(h.matches('releasing.releasingKey')).toBe(true)
    await answer(h.fakes.releaseKey, true)
    await h.send({ type: 'RELEASE' })
    await answer(h.fakes.destroySession, undefined)
    expect(h.fakes.releaseKey.calls).toHaveLength(1)
    expect(h.notified('lock.released')).toHaveLength(1)
  })

  it.each(RELEASES)('%s releases a suspect lock too', async (command) => {
    const h = await held({ monitorRetries: 1 })
    await fail(h.fakes.readKey, retryable())
    expect(h.snapshot().hasTag('suspect')).toBe(true)
    await h.send({ type: command })
    expect(h.matches('releasing.releasingKey')).toBe(true)
    await answer(h.fakes.releaseKey, true)
    await answer(h.fakes.destroySession, undefined)
    expect(h.notified('lock.released')).toHaveLength(1)
  })
})

describe('lock machine: after a loss', () => {
  it('a new ACQUIRE works again (no Go #2371 trap)', async () => {
    const h = await held()
    await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, session: 'other' }), index: 30n })
    await finishAbandoning(h)
    await h.send({ type: 'ACQUIRE' })
    expect(h.fakes.createSession.calls).toHaveLength(2)
    await answer(h.fakes.createSession, { id: 'sess-2', elapsedMs: 0 })
    expect(h.fakes.readKey.last().input).toEqual({ key: KEY, index: 0n, waitMs: 15_000, consistent: false })
    await answer(h.fakes.readKey, { pair: null, index: 31n })
    await answer(h.fakes.acquireKey, { acquired: true, lockIndex: 4n, modifyIndex: 32n })
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.notified('lock.acquired')).toEqual([
      { type: 'lock.acquired', key: KEY, session: 'sess-1', lockIndex: 3n, modifyIndex: 10n },
      { type: 'lock.acquired', key: KEY, session: 'sess-2', lockIndex: 4n, modifyIndex: 32n },
    ])
  })

  it("with the caller's session: the key is released, the session kept", async () => {
    const h = startLock({ key: KEY, session: 'caller-sess' })
    await driveToHeld(h)
    await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, session: 'other' }), index: 30n })
    expect(h.notified('lock.lost')).toEqual([{ type: 'lock.lost', key: KEY, reason: 'taken' }])
    expect(h.fakes.releaseKey.inputs()).toEqual([{ key: KEY, session: 'caller-sess', value: null }])
    await answer(h.fakes.releaseKey, false)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.destroySession.calls).toHaveLength(0)
    expect(h.notified('lock.released')).toEqual([])
  })

  it('a failing cleanup reports each failure as lock.error, goes on, and ends idle', async () => {
    const h = await held()
    await answer(h.fakes.readKey, { pair: null, index: 30n })
    const refused = new Error('connection refused')
    await fail(h.fakes.releaseKey, refused)
    expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
    const reset = new Error('socket hang up')
    await fail(h.fakes.destroySession, reset)
    expect(h.matches('idle')).toBe(true)
    expect(h.notified('lock.error')).toEqual([
      { type: 'lock.error', key: KEY, error: refused },
      { type: 'lock.error', key: KEY, error: reset },
    ])
    expect(h.notified('lock.released')).toEqual([])
  })
})
