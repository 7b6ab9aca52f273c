/**
 * Giving a slot back when Consul fails it: every step (read the record, rewrite it, delete the
 * contender key, destroy the session) retries retryable failures CLEANUP_RETRIES times with a
 * doubling pause; then, or at once for any other error, the failure is reported as
 * semaphore.error and the cleanup goes on, so nothing is left behind that can be removed.
 */
import { describe, expect, it } from 'vitest'
import { CLEANUP_RETRIES } from '../../../machines/lock.timing.js'
import { noClusterLeader, permissionDenied } from '../../support/consul-errors.js'
import { answer, type FakeActor, fail } from '../../support/machine-harness.js'
import {
  driveToHeld,
  LIMIT,
  PREFIX,
  recordPair,
  type SemaphoreHarness,
  startSemaphore,
} from '../../support/semaphore-harness.js'

const failure = () => noClusterLeader('PUT', `/v1/kv/${PREFIX}/.lock`)
const ours = () => ({ pair: recordPair(['other-1', 'sess-1'], { modifyIndex: 50n }), index: 50n })

/** A held slot (own session `sess-1`), sent RELEASE: ends in `releasing.readingRecord`. */
async function releasing(): Promise<SemaphoreHarness> {
  const h = startSemaphore({ prefix: PREFIX, limit: LIMIT })
  await driveToHeld(h)
  await h.send({ type: 'RELEASE' })
  return h
}

/** Fails the pending call of `fake` with a retryable error, then waits out the pause (100, 200, 400 ms). */
async function failAndPause<TInput, TOutput>(
  h: SemaphoreHarness,
  fake: FakeActor<TInput, TOutput>,
  retry: number,
) {
  await fail(fake, failure())
  await h.advance(100 * 2 ** retry)
}

describe('semaphore machine: a failed record read while releasing', () => {
  it('is retried after 100, 200 and 400 ms, silently when a retry succeeds', async () => {
    const h = await releasing()
    for (const [retry, pause] of [100, 200, 400].entries()) {
      await fail(h.fakes.readRecord, failure())
      expect(h.matches('releasing.retryingRead')).toBe(true)
      await h.advance(pause - 1)
      expect(h.fakes.readRecord.calls).toHaveLength(retry + 1)
      await h.advance(1)
      expect(h.fakes.readRecord.calls).toHaveLength(retry + 2)
    }
    await answer(h.fakes.readRecord, ours())
    await answer(h.fakes.writeRecord, true)
    await answer(h.fakes.deleteContender, undefined)
    await answer(h.fakes.destroySession, undefined)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.released'])
  })

  it('after three failed retries: semaphore.error, then the contender key and the session all the same', async () => {
    const h = await releasing()
    for (let retry = 0; retry < CLEANUP_RETRIES; retry++) await failAndPause(h, h.fakes.readRecord, retry)
    const last = failure()
    await fail(h.fakes.readRecord, last)
    expect(h.notified('semaphore.error')).toEqual([{ type: 'semaphore.error', prefix: PREFIX, error: last }])
    expect(h.matches('releasing.deletingContender')).toBe(true)
    expect(h.snapshot().context.cleanupRetries).toBe(0)
    await answer(h.fakes.deleteContender, undefined)
    await answer(h.fakes.destroySession, undefined)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.error', 'semaphore.released'])
  })

  it('a non-retryable failure: semaphore.error at once, and on with the contender key', async () => {
    const h = await releasing()
    const error = permissionDenied('GET', `/v1/kv/${PREFIX}/.lock`)
    await fail(h.fakes.readRecord, error)
    expect(h.notified('semaphore.error')).toEqual([{ type: 'semaphore.error', prefix: PREFIX, error }])
    expect(h.matches('releasing.deletingContender')).toBe(true)
  })
})

describe('semaphore machine: a failed record rewrite while releasing', () => {
  it('is retried by reading the record again (the failed write may have been applied)', async () => {
    const h = await releasing()
    await answer(h.fakes.readRecord, ours())
    await fail(h.fakes.writeRecord, failure())
    expect(h.matches('releasing.retryingRemoval')).toBe(true)
    await h.advance(100)
    expect(h.matches('releasing.readingRecord')).toBe(true)
    // It was applied: we are no longer listed, so nothing more is written.
    await answer(h.fakes.readRecord, { pair: recordPair(['other-1'], { modifyIndex: 51n }), index: 51n })
    expect(h.fakes.writeRecord.calls).toHaveLength(2)
    expect(h.matches('releasing.deletingContender')).toBe(true)
    expect(h.notified('semaphore.error')).toEqual([])
  })

  it('shares the three retries with the reads it causes: then semaphore.error and on with the contender key', async () => {
    const h = await releasing()
    for (let retry = 0; retry < CLEANUP_RETRIES; retry++) {
      await answer(h.fakes.readRecord, ours())
      await failAndPause(h, h.fakes.writeRecord, retry)
    }
    await answer(h.fakes.readRecord, ours())
    await fail(h.fakes.writeRecord, failure())
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.error'])
    expect(h.matches('releasing.deletingContender')).toBe(true)
  })
})

describe('semaphore machine: a failed contender delete', () => {
  it('is retried, then reported, and the session is destroyed all the same', async () => {
    const h = await releasing()
    await answer(h.fakes.readRecord, ours())
    await answer(h.fakes.writeRecord, true)
    for (let retry = 0; retry < CLEANUP_RETRIES; retry++)
      await failAndPause(h, h.fakes.deleteContender, retry)
    expect(h.fakes.deleteContender.calls).toHaveLength(CLEANUP_RETRIES + 1)
    await fail(h.fakes.deleteContender, failure())
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.error'])
    expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('idle')).toBe(true)
  })

  it("with the caller's session: retried, reported, then idle; the session is never destroyed", async () => {
    const h = startSemaphore({ prefix: PREFIX, limit: LIMIT, session: 'sess-1' })
    await driveToHeld(h)
    await h.send({ type: 'RELEASE' })
    await answer(h.fakes.readRecord, ours())
    await answer(h.fakes.writeRecord, true)
    for (let retry = 0; retry < CLEANUP_RETRIES; retry++)
      await failAndPause(h, h.fakes.deleteContender, retry)
    await fail(h.fakes.deleteContender, failure())
    expect(h.matches('idle')).toBe(true)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.error', 'semaphore.released'])
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })
})

describe('semaphore machine: a failed session destroy', () => {
  it('gets its own three retries, even after the other steps used up some', async () => {
    const h = await releasing()
    await failAndPause(h, h.fakes.readRecord, 0)
    await answer(h.fakes.readRecord, ours())
    await answer(h.fakes.writeRecord, true)
    await failAndPause(h, h.fakes.deleteContender, 0)
    await answer(h.fakes.deleteContender, undefined)
    for (let retry = 0; retry < CLEANUP_RETRIES; retry++) await failAndPause(h, h.fakes.destroySession, retry)
    await answer(h.fakes.destroySession, undefined)
    expect(h.fakes.destroySession.calls).toHaveLength(CLEANUP_RETRIES + 1)
    expect(h.notifiedTypes()).toEqual(['semaphore.acquired', 'semaphore.released'])
  })
})
