/**
 * The semaphore machine while holding a slot: the monitor (each way of losing the slot, and its
 * retries), RELEASE (and CANCEL, which means RELEASE once held), and what a loss leaves behind.
 */
import { describe, expect, it } from 'vitest'
import type { SemaphoreOptions } from '../../../machines/semaphore.options.js'
import { ConsulTransportError } from '../../../src/errors.js'
import { noClusterLeader, permissionDenied } from '../../support/consul-errors.js'
import { answer, fail } from '../../support/machine-harness.js'
import {
  contenderPair,
  driveToHeld,
  expectTakenOutOfRecord,
  LIMIT,
  listing,
  PREFIX,
  recordPair,
  type SemaphoreHarness,
  startSemaphore,
  VALUE,
} from '../../support/semaphore-harness.js'

const RELEASES = ['RELEASE', 'CANCEL'] as const
const RECORD_KEY = `${PREFIX}/.lock`

/** The prefix while `sess-1` holds a slot beside `other-1`. */
const stillOurs = (index: bigint) => listing(['other-1', 'sess-1'], { index })
const retryable = () => noClusterLeader('GET', `/v1/kv/${PREFIX}/`)

async function held(options: Partial<SemaphoreOptions> = {}): Promise<SemaphoreHarness> {
  const h = startSemaphore({ prefix: PREFIX, limit: LIMIT, value: VALUE, ...options })
  await driveToHeld(h)
  return h
}

/**
 * From `releasing` or `abandoning` at `readingRecord`: the record lists `holders` at index 50;
 * answers the rewrite (if we are listed), the contender delete and the session destroy.
 */
async function finishGivingBack(h: SemaphoreHarness, holders: readonly string[]): Promise<void> {
  expect(h.fakes.readRecord.last().input).toEqual({ key: RECORD_KEY, index: 0n, consistent: false })
  await answer(h.fakes.readRecord, { pair: recordPair(holders, { modifyIndex: 50n }), index: 50n })
  if (holders.includes('sess-1')) await answer(h.fakes.writeRecord, true)
  expect(h.fakes.deleteContender.last().input).toEqual({ key: `${PREFIX}/sess-1` })
  await answer(h.fakes.deleteContender, undefined)
  if (h.snapshot().context.ownsSession) await answer(h.fakes.destroySession, undefined)
  expect(h.matches('idle')).toBe(true)
}

describe('semaphore machine: monitoring', () => {
  it('lists the prefix with consistent blocking reads, at once after its claim, then on the index of the last answer', async () => {
    const h = await held()
    expect(h.fakes.listPrefix.last().input).toEqual({ prefix: PREFIX, index: 0n, consistent: true })
    await answer(h.fakes.listPrefix, stillOurs(21n))
    expect(h.matches('session.semaphore.held.monitoring.watching')).toBe(true)
    expect(h.fakes.listPrefix.last().input).toEqual({ prefix: PREFIX, index: 21n, consistent: true })
    await answer(h.fakes.listPrefix, stillOurs(22n))
    expect(h.fakes.listPrefix.last().input.index).toBe(22n)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired'])
  })

  it('keeps the slot when other holders come and go, and when flags or limit change (Go does not check them again)', async () => {
    const h = await held()
    await answer(h.fakes.listPrefix, listing(['sess-1'], { index: 30n, limit: 5 }))
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired'])
  })

  it.each([
    ['key-deleted', 'the prefix is gone', []],
    ['key-deleted', 'the record is gone', [contenderPair('sess-1'), contenderPair('other-1')]],
    ['session-invalidated', 'our contender key is gone', [recordPair(['sess-1']), contenderPair('other-1')]],
    [
      'session-invalidated',
      'our contender key lost its session',
      [recordPair(['sess-1']), contenderPair('sess-1', { session: undefined })],
    ],
    ['evicted', 'the record no longer lists us', [recordPair(['other-1']), contenderPair('sess-1')]],
    [
      'evicted',
      'the record does not decode',
      [recordPair([], { value: Buffer.from('{') }), contenderPair('sess-1')],
    ],
  ] as const)('lost(%s) when %s, then cleaned up', async (reason, _when, pairs) => {
    const h = await held()
    await answer(h.fakes.listPrefix, { pairs: [...pairs], index: 30n })
    expect(h.notified('semaphore.lost')).toEqual([{ type: 'semaphore.lost', prefix: PREFIX, reason }])
    expect(h.snapshot().hasTag('held')).toBe(false)
    expect(h.matches('abandoning.readingRecord')).toBe(true)
    await finishGivingBack(h, [])
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.lost'])
    expect(h.snapshot().context).toMatchObject({ session: null, lease: null, ownsSession: false })
  })

  it('lost(monitor-failed) at the first failed read with monitorRetries 0', async () => {
    const h = await held()
    await fail(h.fakes.listPrefix, retryable())
    expect(h.notified('semaphore.lost')).toEqual([
      { type: 'semaphore.lost', prefix: PREFIX, reason: 'monitor-failed' },
    ])
    await finishGivingBack(h, ['other-1', 'sess-1'])
  })

  it('with monitorRetries 2: suspect while retrying, lists at once after monitorRetryTime, recovers on a good read', async () => {
    const h = await held({ monitorRetries: 2 })
    await answer(h.fakes.listPrefix, stillOurs(21n))
    const error = retryable()
    await fail(h.fakes.listPrefix, error)
    expect(h.matches('session.semaphore.held.monitoring.retrying')).toBe(true)
    expect(h.snapshot().hasTag('suspect')).toBe(true)
    expect(h.snapshot().hasTag('held')).toBe(true)
    expect(h.notified('semaphore.suspect')).toEqual([
      { type: 'semaphore.suspect', prefix: PREFIX, cause: 'monitor-failed', error },
    ])
    const lists = h.fakes.listPrefix.calls.length
    await h.advance(1_999)
    expect(h.fakes.listPrefix.calls).toHaveLength(lists)
    await h.advance(1)
    expect(h.fakes.listPrefix.last().input).toEqual({ prefix: PREFIX, index: 0n, consistent: true })
    expect(h.snapshot().hasTag('suspect')).toBe(true)
    await answer(h.fakes.listPrefix, stillOurs(25n))
    expect(h.matches('session.semaphore.held.monitoring.watching')).toBe(true)
    expect(h.snapshot().hasTag('suspect')).toBe(false)
    expect(h.fakes.listPrefix.last().input.index).toBe(25n)
  })

  it('with monitorRetries 2: a good read resets the count; the third failure in a row is a loss', async () => {
    const h = await held({ monitorRetries: 2, monitorRetryTime: '1s' })
    const failOnce = () =>
      fail(h.fakes.listPrefix, new ConsulTransportError({ method: 'GET', path: '/v1/kv', cause: 'reset' }))
    await failOnce()
    await h.advance(1_000)
    await failOnce()
    await h.advance(1_000)
    await answer(h.fakes.listPrefix, stillOurs(40n))
    expect(h.snapshot().context.monitorFailures).toBe(0)
    for (let failure = 1; failure <= 2; failure++) {
      await failOnce()
      await h.advance(1_000)
    }
    expect(h.notified('semaphore.lost')).toEqual([])
    await failOnce()
    expect(h.notified('semaphore.lost')).toEqual([
      { type: 'semaphore.lost', prefix: PREFIX, reason: 'monitor-failed' },
    ])
  })

  it('a non-retryable read error is a loss at once, whatever monitorRetries says', async () => {
    const h = await held({ monitorRetries: 5 })
    await fail(h.fakes.listPrefix, permissionDenied('GET', `/v1/kv/${PREFIX}/`))
    expect(h.notified('semaphore.lost')).toEqual([
      { type: 'semaphore.lost', prefix: PREFIX, reason: 'monitor-failed' },
    ])
    expect(h.notified('semaphore.suspect')).toEqual([])
  })
})

describe('semaphore machine: RELEASE (CANCEL means the same once held)', () => {
  it.each(RELEASES)(
    '%s: takes us out of the record by check-and-set, deletes the contender key, destroys the session, then semaphore.released',
    async (command) => {
      const h = await held()
      const monitor = h.fakes.listPrefix.last()
      await h.send({ type: command })
      expect(monitor.signal.aborted).toBe(true)
      expect(h.matches('releasing.readingRecord')).toBe(true)
      expect(h.snapshot().hasTag('releasing')).toBe(true)
      await answer(h.fakes.readRecord, {
        pair: recordPair(['other-1', 'sess-1'], { modifyIndex: 50n }),
        index: 50n,
      })
      expect(h.fakes.writeRecord.last().input).toEqual({
        key: RECORD_KEY,
        value: '{"Limit":2,"Holders":{"other-1":true}}',
        modifyIndex: 50n,
      })
      await answer(h.fakes.writeRecord, true)
      expect(h.fakes.deleteContender.inputs()).toEqual([{ key: `${PREFIX}/sess-1` }])
      expect(h.notified('semaphore.released')).toEqual([])
      await answer(h.fakes.deleteContender, undefined)
      expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
      await answer(h.fakes.destroySession, undefined)
      expect(h.matches('idle')).toBe(true)
      expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.released'])
      expect(h.notified('semaphore.released')).toEqual([{ type: 'semaphore.released', prefix: PREFIX }])
    },
  )

  it('a lost check-and-set reads the record again and writes the new one without us', async () => {
    const h = await held()
    await h.send({ type: 'RELEASE' })
    await answer(h.fakes.readRecord, {
      pair: recordPair(['other-1', 'sess-1'], { modifyIndex: 50n }),
      index: 50n,
    })
    await answer(h.fakes.writeRecord, false)
    expect(h.matches('releasing.readingRecord')).toBe(true)
    await expectTakenOutOfRecord(h, ['new-1', 'sess-1'], 53n)
    await answer(h.fakes.deleteContender, undefined)
    await answer(h.fakes.destroySession, undefined)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.released'])
  })

  it.each([
    ['no longer lists us', recordPair(['other-1'])],
    ['is gone', null],
  ])('a record that %s is left alone; the key and the session still go', async (_case, pair) => {
    const h = await held()
    await h.send({ type: 'RELEASE' })
    await answer(h.fakes.readRecord, { pair, index: 60n })
    expect(h.fakes.writeRecord.calls).toHaveLength(1)
    await answer(h.fakes.deleteContender, undefined)
    await answer(h.fakes.destroySession, undefined)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.released'])
  })

  it("with the caller's session: the record and the contender key, never the session", async () => {
    const h = await held({ session: 'sess-1' })
    await h.send({ type: 'RELEASE' })
    await finishGivingBack(h, ['other-1', 'sess-1'])
    expect(h.fakes.destroySession.calls).toHaveLength(0)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.released'])
  })

  it('is ignored while idle', async () => {
    const h = startSemaphore({ prefix: PREFIX, limit: LIMIT })
    await h.send({ type: 'RELEASE' })
    expect(h.matches('idle')).toBe(true)
    expect(h.notifiedTypes()).toEqual([])
  })

  it('is ignored while releasing: one release, one semaphore.released', async () => {
    const h = await held()
    await h.send({ type: 'RELEASE' })
    await h.send({ type: 'RELEASE' })
    await finishGivingBack(h, ['sess-1'])
    expect(h.fakes.readRecord.calls).toHaveLength(1)
    expect(h.notified('semaphore.released')).toHaveLength(1)
  })

  it.each(RELEASES)('%s releases a suspect slot too', async (command) => {
    const h = await held({ monitorRetries: 1 })
    await fail(h.fakes.listPrefix, retryable())
    expect(h.snapshot().hasTag('suspect')).toBe(true)
    await h.send({ type: command })
    await finishGivingBack(h, ['sess-1'])
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.suspect', 'semaphore.released'])
  })
})

describe('semaphore machine: after a loss', () => {
  it('a new ACQUIRE works again, with a new session', async () => {
    const h = await held()
    await answer(h.fakes.listPrefix, { pairs: [], index: 70n })
    await finishGivingBack(h, [])
    await driveToHeld(h, { session: 'sess-2' })
    expect(h.notified('semaphore.acquired').at(-1)).toMatchObject({ session: 'sess-2' })
  })
})
