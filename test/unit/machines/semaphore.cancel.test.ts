/**
 * CANCEL (and RELEASE, which means the same until a slot is held) at every pending stage of the
 * semaphore: writes in flight are never aborted, their answer decides what to clean up, and
 * nothing is left behind, with the semaphore's own session or the caller's.
 */
import { describe, expect, it } from 'vitest'
import { ConsulTransportError } from '../../../src/errors.js'
import { answer, fail } from '../../support/machine-harness.js'
import {
  driveToClaiming,
  driveToContending,
  driveToWaiting,
  expectTakenOutOfRecord,
  LIMIT,
  PREFIX,
  recordPair,
  type SemaphoreHarness,
  startSemaphore,
  VALUE,
} from '../../support/semaphore-harness.js'

const CANCELS = ['CANCEL', 'RELEASE'] as const

/** The semaphore's own session (`sess-1`) or the caller's (also `sess-1`, so keys match). */
const SESSIONS = [
  ['its own session', {}],
  ["the caller's session", { session: 'sess-1' }],
] as const

const CONTENDER_KEY = `${PREFIX}/sess-1`

function semaphore(options: { session?: string } = {}): SemaphoreHarness {
  return startSemaphore({ prefix: PREFIX, limit: LIMIT, value: VALUE, ...options })
}

/** The session destroys expected: one for its own session, none for the caller's. */
const destroysFor = (h: SemaphoreHarness) => (h.snapshot().context.settings.session === null ? 1 : 0)

/** Answers the contender delete and, for its own session, the destroy; expects idle, with nothing notified. */
async function expectContenderDeleted(h: SemaphoreHarness, destroys: number): Promise<void> {
  expect(h.snapshot().hasTag('releasing')).toBe(true)
  expect(h.fakes.deleteContender.inputs()).toEqual([{ key: CONTENDER_KEY }])
  await answer(h.fakes.deleteContender, undefined)
  if (destroys > 0) await answer(h.fakes.destroySession, undefined)
  expect(h.fakes.destroySession.calls).toHaveLength(destroys)
  expect(h.matches('idle')).toBe(true)
  expect(h.notifiedTypes()).toEqual([])
}

describe('semaphore machine: a cancel while creating the session', () => {
  it.each(CANCELS)(
    '%s: the create is answered, then the new session destroyed; nothing written',
    async (command) => {
      const h = semaphore()
      await h.send({ type: 'ACQUIRE' })
      await h.send({ type: command })
      expect(h.fakes.createSession.last().signal.aborted).toBe(false)
      await answer(h.fakes.createSession, { id: 'sess-1', elapsedMs: 0 })
      expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
      await answer(h.fakes.destroySession, undefined)
      expect(h.matches('idle')).toBe(true)
      expect(h.fakes.acquireContender.calls).toHaveLength(0)
      expect(h.notifiedTypes()).toEqual([])
    },
  )
})

describe('semaphore machine: a cancel while the contender key is being written', () => {
  it.each(CANCELS)(
    '%s does not abort the write: it waits for the answer, tagged releasing',
    async (command) => {
      const h = semaphore()
      await driveToContending(h)
      await h.send({ type: command })
      expect(h.fakes.acquireContender.last().signal.aborted).toBe(false)
      expect(h.snapshot().hasTag('releasing')).toBe(true)
      expect(h.snapshot().hasTag('pending')).toBe(false)
      await h.advance(60_000)
      expect(h.fakes.listPrefix.calls).toHaveLength(0)
    },
  )

  it.each(SESSIONS)(
    'written, with %s: the key is deleted, then its own session destroyed',
    async (_kind, options) => {
      const h = semaphore(options)
      await driveToContending(h)
      await h.send({ type: 'CANCEL' })
      await answer(h.fakes.acquireContender, true)
      await expectContenderDeleted(h, destroysFor(h))
    },
  )

  it('refused: nothing to delete, its own session destroyed', async () => {
    const h = semaphore()
    await driveToContending(h)
    await h.send({ type: 'CANCEL' })
    await answer(h.fakes.acquireContender, false)
    expect(h.matches('abandoning.destroyingSession')).toBe(true)
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.deleteContender.calls).toHaveLength(0)
    expect(h.notifiedTypes()).toEqual([])
  })

  it("refused with the caller's session: idle at once, nothing deleted or destroyed", async () => {
    const h = semaphore({ session: 'sess-1' })
    await driveToContending(h)
    await h.send({ type: 'CANCEL' })
    await answer(h.fakes.acquireContender, false)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.deleteContender.calls).toHaveLength(0)
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })

  it.each(SESSIONS)(
    'failed, with %s: the key it may have written is deleted, no error reported',
    async (_kind, options) => {
      const h = semaphore(options)
      await driveToContending(h)
      await h.send({ type: 'CANCEL' })
      await fail(
        h.fakes.acquireContender,
        new ConsulTransportError({ method: 'PUT', path: '/v1/kv', cause: 'reset' }),
      )
      await expectContenderDeleted(h, destroysFor(h))
    },
  )
})

describe('semaphore machine: a cancel while waiting', () => {
  it.each(CANCELS)(
    '%s aborts the blocking list, deletes the contender key, destroys its own session',
    async (command) => {
      const h = semaphore()
      await driveToWaiting(h)
      const list = h.fakes.listPrefix.last()
      await h.send({ type: command })
      expect(list.signal.aborted).toBe(true)
      await expectContenderDeleted(h, 1)
    },
  )

  it("with the caller's session: deletes the contender key (Go leaks it), keeps the session", async () => {
    const h = semaphore({ session: 'sess-1' })
    await driveToWaiting(h)
    await h.send({ type: 'CANCEL' })
    await expectContenderDeleted(h, 0)
  })
})

describe('semaphore machine: a cancel while claiming a slot', () => {
  it.each(CANCELS)(
    '%s does not abort the write: it waits for the answer, tagged releasing',
    async (command) => {
      const h = semaphore()
      await driveToClaiming(h)
      await h.send({ type: command })
      expect(h.fakes.writeRecord.last().signal.aborted).toBe(false)
      expect(h.snapshot().hasTag('releasing')).toBe(true)
      expect(h.snapshot().hasTag('held')).toBe(false)
    },
  )

  it.each(SESSIONS)(
    'written, with %s: takes us out of the record again, then deletes the key',
    async (_kind, options) => {
      const h = semaphore(options)
      await driveToClaiming(h)
      await h.send({ type: 'CANCEL' })
      await answer(h.fakes.writeRecord, true)
      expect(h.matches('abandoning.readingRecord')).toBe(true)
      expect(h.notifiedTypes()).toEqual([])
      await expectTakenOutOfRecord(h, ['other-1', 'sess-1'], 31n)
      await expectContenderDeleted(h, destroysFor(h))
    },
  )

  it.each(SESSIONS)(
    'lost, with %s: the record does not list us, so only the key is deleted',
    async (_kind, options) => {
      const h = semaphore(options)
      await driveToClaiming(h)
      await h.send({ type: 'RELEASE' })
      await answer(h.fakes.writeRecord, false)
      await answer(h.fakes.readRecord, { pair: recordPair(['other-1', 'other-2']), index: 31n })
      expect(h.fakes.writeRecord.calls).toHaveLength(1)
      await expectContenderDeleted(h, destroysFor(h))
    },
  )

  it('failed: whether it was applied is unknown, so the record is read and we are taken out if listed', async () => {
    const h = semaphore()
    await driveToClaiming(h)
    await h.send({ type: 'CANCEL' })
    await fail(
      h.fakes.writeRecord,
      new ConsulTransportError({ method: 'PUT', path: '/v1/kv', cause: 'reset' }),
    )
    expect(h.matches('abandoning.readingRecord')).toBe(true)
    await answer(h.fakes.readRecord, { pair: recordPair(['sess-1'], { modifyIndex: 8n }), index: 8n })
    expect(h.fakes.writeRecord.last().input.value).toBe('{"Limit":2,"Holders":{}}')
    await answer(h.fakes.writeRecord, true)
    await expectContenderDeleted(h, 1)
  })
})

describe('semaphore machine: after a cancel', () => {
  it('a new ACQUIRE works again, with a new session', async () => {
    const h = semaphore()
    await driveToWaiting(h)
    await h.send({ type: 'CANCEL' })
    await expectContenderDeleted(h, 1)
    await driveToWaiting(h, { session: 'sess-2' })
    expect(h.fakes.acquireContender.last().input).toEqual({
      key: `${PREFIX}/sess-2`,
      session: 'sess-2',
      value: VALUE,
    })
  })
})
