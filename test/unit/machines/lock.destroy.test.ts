/**
 * DESTROY (Go's `Lock.Destroy`): delete the lock key only when it is a free lock key.
 */
import { describe, expect, it } from 'vitest'
import { SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import { LockConflictError, LockInUseError } from '../../../src/errors.js'
import { permissionDenied } from '../../support/consul-errors.js'
import { answer, driveToHeld, fail, kvPair, type LockHarness, startLock } from '../../support/lock-harness.js'

const KEY = 'service/leader'

async function destroying(): Promise<LockHarness> {
  const h = startLock({ key: KEY })
  await h.send({ type: 'DESTROY' })
  return h
}

describe('lock machine: DESTROY', () => {
  it('reads the key at once, without blocking', async () => {
    const h = await destroying()
    expect(h.matches('destroying.reading')).toBe(true)
    expect(h.snapshot().hasTag('destroying')).toBe(true)
    expect(h.fakes.readKey.inputs()).toEqual([{ key: KEY, index: 0n, consistent: false }])
    expect(h.fakes.createSession.calls).toHaveLength(0)
  })

  it('a missing key: lock.destroyed, nothing deleted', async () => {
    const h = await destroying()
    await answer(h.fakes.readKey, { pair: null, index: 3n })
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([{ type: 'lock.destroyed', key: KEY }])
    expect(h.fakes.deleteKey.calls).toHaveLength(0)
  })

  it('a free lock key: deleted at the ModifyIndex it was read at, then lock.destroyed', async () => {
    const h = await destroying()
    await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, modifyIndex: 77n }), index: 78n })
    expect(h.matches('destroying.deleting')).toBe(true)
    expect(h.fakes.deleteKey.inputs()).toEqual([{ key: KEY, modifyIndex: 77n }])
    await answer(h.fakes.deleteKey, true)
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([{ type: 'lock.destroyed', key: KEY }])
  })

  it('a key with other flags: lock.error LockConflictError, nothing deleted', async () => {
    const h = await destroying()
    await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, flags: SEMAPHORE_FLAG_VALUE }), index: 3n })
    expect(h.matches('idle')).toBe(true)
    const [notification] = h.notified('lock.error')
    expect(notification?.error).toBeInstanceOf(LockConflictError)
    expect(notification?.error).toMatchObject({ code: 'ELOCKCONFLICT', key: KEY })
    expect(h.notified('lock.destroyed')).toEqual([])
    expect(h.fakes.deleteKey.calls).toHaveLength(0)
  })

  it('a held key: lock.error LockInUseError, nothing deleted', async () => {
    const h = await destroying()
    await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, session: 'other' }), index: 3n })
    expect(h.matches('idle')).toBe(true)
    const [notification] = h.notified('lock.error')
    expect(notification?.error).toBeInstanceOf(LockInUseError)
    expect(notification?.error).toMatchObject({ code: 'ELOCKINUSE', key: KEY })
    expect(h.fakes.deleteKey.calls).toHaveLength(0)
  })

  it('a key changed under the check-and-set delete: lock.error LockInUseError', async () => {
    const h = await destroying()
    await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, modifyIndex: 77n }), index: 78n })
    await answer(h.fakes.deleteKey, false)
    expect(h.matches('idle')).toBe(true)
    const [notification] = h.notified('lock.error')
    expect(notification?.error).toBeInstanceOf(LockInUseError)
    expect(h.notified('lock.destroyed')).toEqual([])
  })

  it('a failed read: lock.error with that error', async () => {
    const h = await destroying()
    const error = permissionDenied('GET', `/v1/kv/${KEY}`)
    await fail(h.fakes.readKey, error)
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([{ type: 'lock.error', key: KEY, error }])
  })

  it('a failed delete: lock.error with that error', async () => {
    const h = await destroying()
    await answer(h.fakes.readKey, { pair: kvPair({ key: KEY, modifyIndex: 77n }), index: 78n })
    const error = new Error('socket hang up')
    await fail(h.fakes.deleteKey, error)
    expect(h.matches('idle')).toBe(true)
    expect(h.notifications).toEqual([{ type: 'lock.error', key: KEY, error }])
  })

  it('is ignored while the lock is held', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await h.send({ type: 'DESTROY' })
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.fakes.deleteKey.calls).toHaveLength(0)
  })

  it('the lock can be acquired after a destroy', async () => {
    const h = await destroying()
    await answer(h.fakes.readKey, { pair: null, index: 3n })
    await driveToHeld(h)
    expect(h.notifiedTypes()).toEqual(['lock.destroyed', 'lock.acquired'])
  })
})
