/**
 * DESTROY (Go's Semaphore.Destroy): the `.lock` record is deleted, by check-and-set, only when
 * it is a semaphore record that no live session holds a slot in.
 */
import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import { ConsulError, SemaphoreConflictError, SemaphoreInUseError } from '../../../src/errors.js'
import { answer, flush } from '../../support/machine-harness.js'
import {
  contenderPair,
  driveToHeld,
  finishCleanup,
  LIMIT,
  listing,
  PREFIX,
  recordPair,
  type SemaphoreHarness,
  startSemaphore,
} from '../../support/semaphore-harness.js'

const RECORD_KEY = `${PREFIX}/.lock`

async function destroying(): Promise<SemaphoreHarness> {
  const h = startSemaphore({ prefix: PREFIX, limit: LIMIT })
  await h.send({ type: 'DESTROY' })
  expect(h.snapshot().hasTag('destroying')).toBe(true)
  return h
}

/** The error of the one semaphore.error, once the semaphore is idle again with nothing deleted. */
function refusal(h: SemaphoreHarness): Error | undefined {
  expect(h.matches('idle')).toBe(true)
  expect(h.fakes.deleteRecord.calls).toHaveLength(0)
  expect(h.notifiedTypes()).toEqual(['semaphore.error'])
  return h.notified('semaphore.error')[0]?.error
}

describe('semaphore machine: DESTROY', () => {
  it('lists the prefix at once, without blocking', async () => {
    const h = await destroying()
    expect(h.fakes.listPrefix.inputs()).toEqual([{ prefix: PREFIX, index: 0n, consistent: false }])
  })

  it('no record: semaphore.destroyed, nothing deleted', async () => {
    const h = await destroying()
    await answer(h.fakes.listPrefix, { pairs: [contenderPair('waiter')], index: 3n })
    expect(h.notifications).toEqual([{ type: 'semaphore.destroyed', prefix: PREFIX }])
    expect(h.fakes.deleteRecord.calls).toHaveLength(0)
    expect(h.matches('idle')).toBe(true)
  })

  it.each([
    ['nobody holds a slot', { pairs: [recordPair([], { modifyIndex: 12n })], index: 12n }],
    [
      'only dead sessions are listed',
      { pairs: [recordPair(['gone-1', 'gone-2'], { modifyIndex: 12n })], index: 12n },
    ],
  ])(
    '%s: the record is deleted at the ModifyIndex it was read at, then semaphore.destroyed',
    async (_case, answerWith) => {
      const h = await destroying()
      await answer(h.fakes.listPrefix, answerWith)
      expect(h.fakes.deleteRecord.inputs()).toEqual([{ key: RECORD_KEY, modifyIndex: 12n }])
      await answer(h.fakes.deleteRecord, true)
      expect(h.notifications).toEqual([{ type: 'semaphore.destroyed', prefix: PREFIX }])
      expect(h.matches('idle')).toBe(true)
    },
  )

  it('a live holder: semaphore.error ESEMINUSE', async () => {
    const h = await destroying()
    await answer(h.fakes.listPrefix, listing(['holder-1']))
    expect(refusal(h)).toBeInstanceOf(SemaphoreInUseError)
  })

  it('a record with other flags (a lock uses it): semaphore.error ESEMCONFLICT', async () => {
    const h = await destroying()
    await answer(h.fakes.listPrefix, { pairs: [recordPair([], { flags: LOCK_FLAG_VALUE })], index: 3n })
    const error = refusal(h)
    expect(error).toBeInstanceOf(SemaphoreConflictError)
    expect(error).toMatchObject({ code: 'ESEMCONFLICT', flags: LOCK_FLAG_VALUE })
  })

  it('a record that does not decode: semaphore.error ESEMRECORD', async () => {
    const h = await destroying()
    await answer(h.fakes.listPrefix, { pairs: [recordPair([], { value: Buffer.from('[]') })], index: 3n })
    expect(refusal(h)).toMatchObject({ code: 'ESEMRECORD' })
  })

  it('a record changed under the check-and-set delete: semaphore.error ESEMINUSE', async () => {
    const h = await destroying()
    await answer(h.fakes.listPrefix, { pairs: [recordPair([], { modifyIndex: 12n })], index: 12n })
    await answer(h.fakes.deleteRecord, false)
    expect(h.notified('semaphore.error')[0]?.error).toBeInstanceOf(SemaphoreInUseError)
    expect(h.matches('idle')).toBe(true)
  })

  it.each(['listPrefix', 'deleteRecord'] as const)(
    'a failed %s: semaphore.error with that error',
    async (step) => {
      const h = await destroying()
      if (step === 'deleteRecord') await answer(h.fakes.listPrefix, { pairs: [recordPair([])], index: 3n })
      const error = new ConsulError({
        status: 500,
        body: 'rpc error',
        method: 'GET',
        path: `/v1/kv/${PREFIX}/`,
      })
      h.fakes[step].reject(error)
      await flush()
      expect(h.notifications).toEqual([{ type: 'semaphore.error', prefix: PREFIX, error }])
      expect(h.matches('idle')).toBe(true)
    },
  )

  it('is ignored while a slot is held', async () => {
    const h = startSemaphore({ prefix: PREFIX, limit: LIMIT })
    await driveToHeld(h)
    await h.send({ type: 'DESTROY' })
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.fakes.deleteRecord.calls).toHaveLength(0)
  })

  it('an ACQUIRE during a destroy waits for it to end, then starts', async () => {
    const h = await destroying()
    await h.send({ type: 'ACQUIRE' })
    expect(h.fakes.createSession.calls).toHaveLength(0)
    await answer(h.fakes.listPrefix, { pairs: [], index: 3n })
    expect(h.fakes.createSession.calls).toHaveLength(1)
    await answer(h.fakes.createSession, { id: 'sess-1', elapsedMs: 0 })
    await answer(h.fakes.acquireContender, false)
    await finishCleanup(h)
  })
})
