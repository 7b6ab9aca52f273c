import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE, SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import {
  LockConflictError,
  SemaphoreConflictError,
  SemaphoreHeldError,
  SemaphoreInUseError,
} from '../../../src/errors.js'
import { useClientSuite } from '../../support/client-target.js'
import { nextNotification, sessionsNamed, useLocks } from '../../support/lock-helpers.js'
import {
  keysUnder,
  readSemaphoreRecord,
  trackedGoStyleSemaphore,
  useSemaphores,
} from '../../support/semaphore-helpers.js'

const suite = useClientSuite('semaphore-destroy')
const semaphores = useSemaphores(suite)
const locks = useLocks(suite)

describe('destroy()', () => {
  it('rejects with SemaphoreHeldError ESEMHELD while this Semaphore holds a slot', async () => {
    const prefix = semaphores.prefix('held')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const lease = await semaphore.acquire()

    const error = await semaphore.destroy().catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(SemaphoreHeldError)
    expect(error).toMatchObject({ code: 'ESEMHELD', prefix })
    expect(semaphore.held).toBe(true)
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([lease.session])
    await semaphore.release()
  })

  it('rejects with SemaphoreInUseError ESEMINUSE while a live session holds a slot, leaving the record', async () => {
    const prefix = semaphores.prefix('in-use')
    const holder = semaphores.semaphore({ prefix, limit: 2 })
    const other = semaphores.semaphore({ prefix, limit: 2 })
    const lease = await holder.acquire()
    const before = await readSemaphoreRecord(suite.consul, prefix)

    const error = await other.destroy().catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(SemaphoreInUseError)
    expect(error).toMatchObject({ code: 'ESEMINUSE', prefix })
    expect(other.actor.getSnapshot().hasTag('idle')).toBe(true)
    expect(await readSemaphoreRecord(suite.consul, prefix)).toEqual(before)
    expect(holder.held).toBe(true)
    expect(await sessionsNamed(suite.consul, semaphores.sessionName)).toEqual([lease.session])
    await holder.release()
  })

  it('deletes .lock of a free semaphore, emits semaphore.destroyed and leaves contender keys alone', async () => {
    const prefix = semaphores.prefix('free')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    await semaphore.acquire()
    await semaphore.release()
    // A contender that has written its entry but holds no slot.
    const waiting = await trackedGoStyleSemaphore(suite, prefix, 1)
    expect(await waiting.contend()).toBe(true)
    const destroyed = nextNotification(semaphore.actor, 'semaphore.destroyed')

    await semaphore.destroy()

    expect(await destroyed).toEqual({ type: 'semaphore.destroyed', prefix })
    expect(await readSemaphoreRecord(suite.consul, prefix)).toBeNull()
    expect(await keysUnder(suite.consul, prefix)).toEqual([waiting.session])
    expect(semaphore.actor.getSnapshot().hasTag('idle')).toBe(true)
    await waiting.destroy()
  })

  it('resolves when there is no .lock at all', async () => {
    const prefix = semaphores.prefix('missing')

    await semaphores.semaphore({ prefix, limit: 1 }).destroy()

    expect(await keysUnder(suite.consul, prefix)).toEqual([])
  })

  it('does not count dead holders: a holder whose contender key is gone does not stop it', async () => {
    const prefix = semaphores.prefix('dead-holder')
    const go = await trackedGoStyleSemaphore(suite, prefix, 1)
    await go.acquire()
    // Behaviour delete: destroying the session deletes its contender key, not its record entry.
    await go.destroy()
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([go.session])

    await semaphores.semaphore({ prefix, limit: 1 }).destroy()

    expect(await readSemaphoreRecord(suite.consul, prefix)).toBeNull()
  })

  it('rejects with SemaphoreConflictError ESEMCONFLICT when .lock carries other flags, and keeps it', async () => {
    const prefix = semaphores.prefix('wrong-flags')
    expect(await suite.consul.kv.put(`${prefix}/.lock`, 'not a record', { flags: 42 })).toBe(true)

    const error = await semaphores
      .semaphore({ prefix, limit: 1 })
      .destroy()
      .catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(SemaphoreConflictError)
    expect(error).toMatchObject({ code: 'ESEMCONFLICT', prefix, flags: 42n })
    expect((await suite.consul.kv.get(`${prefix}/.lock`)).value?.value?.toString()).toBe('not a record')
  })
})

describe('a lock on <prefix>/.lock and a semaphore on <prefix>', () => {
  it('keeps a semaphore out of a prefix whose .lock a lock holds, with ESEMCONFLICT and nothing left behind', async () => {
    const prefix = semaphores.prefix('lock-first')
    const lock = locks.lock({ key: `${prefix}/.lock` })
    const lease = await lock.acquire()
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })

    const error = await semaphore.acquire().catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(SemaphoreConflictError)
    expect(error).toMatchObject({ code: 'ESEMCONFLICT', prefix, flags: LOCK_FLAG_VALUE })
    expect(semaphore.actor.getSnapshot().hasTag('idle')).toBe(true)
    expect(await sessionsNamed(suite.consul, semaphores.sessionName)).toEqual([])
    expect(await keysUnder(suite.consul, prefix)).toEqual(['.lock'])
    expect((await suite.consul.kv.get(`${prefix}/.lock`)).value?.session).toBe(lease.session)
    await lock.release()
  })

  it('keeps a lock off the .lock of a semaphore, with ELOCKCONFLICT', async () => {
    const prefix = semaphores.prefix('semaphore-first')
    const semaphore = semaphores.semaphore({ prefix, limit: 1 })
    const lease = await semaphore.acquire()
    const lock = locks.lock({ key: `${prefix}/.lock` })

    const error = await lock.acquire().catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(LockConflictError)
    expect(error).toMatchObject({
      code: 'ELOCKCONFLICT',
      key: `${prefix}/.lock`,
      flags: SEMAPHORE_FLAG_VALUE,
    })
    expect(await sessionsNamed(suite.consul, locks.sessionName)).toEqual([])
    expect((await readSemaphoreRecord(suite.consul, prefix))?.holders).toEqual([lease.session])
    await semaphore.release()
  })

  it("refuses to destroy the other's key: the lock's with ESEMCONFLICT, the semaphore's with ELOCKCONFLICT", async () => {
    const lockPrefix = semaphores.prefix('destroy-lock-key')
    const lock = locks.lock({ key: `${lockPrefix}/.lock` })
    await lock.acquire()
    await lock.release()
    const semaphorePrefix = semaphores.prefix('destroy-semaphore-key')
    const semaphore = semaphores.semaphore({ prefix: semaphorePrefix, limit: 1 })
    await semaphore.acquire()
    await semaphore.release()

    await expect(semaphores.semaphore({ prefix: lockPrefix, limit: 1 }).destroy()).rejects.toMatchObject({
      code: 'ESEMCONFLICT',
      flags: LOCK_FLAG_VALUE,
    })
    await expect(locks.lock({ key: `${semaphorePrefix}/.lock` }).destroy()).rejects.toMatchObject({
      code: 'ELOCKCONFLICT',
      flags: SEMAPHORE_FLAG_VALUE,
    })
    expect((await suite.consul.kv.get(`${lockPrefix}/.lock`)).value?.flags).toBe(LOCK_FLAG_VALUE)
    expect((await readSemaphoreRecord(suite.consul, semaphorePrefix))?.flags).toBe(SEMAPHORE_FLAG_VALUE)
  })
})
