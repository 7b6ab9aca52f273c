/**
 * The cleanup shared by `releasing` and `abandoning` when Consul fails it: retryable failures
 * (transport errors, 5xx, 429) of the key release and of the session destroy are retried
 * CLEANUP_RETRIES times with a doubling pause; then, or at once for any other error, the failure
 * is reported as lock.error and the cleanup goes on.
 */
import { describe, expect, it } from 'vitest'
import { CLEANUP_RETRIES, cleanupRetryMs } from '../../../machines/lock.timing.js'
import { ConsulError, ConsulTransportError } from '../../../src/errors.js'
import { noClusterLeader, permissionDenied } from '../../support/consul-errors.js'
import {
  answer,
  driveToHeld,
  type FakeActor,
  fail,
  type LockHarness,
  startLock,
} from '../../support/lock-harness.js'

const KEY = 'service/leader'

/** Longer than any cleanup pause: lets a pending retry fire, whatever its length. */
const PAST_ANY_PAUSE = 10_000

const leaderLost = () => noClusterLeader('PUT', `/v1/kv/${KEY}`)
const throttled = () =>
  new ConsulError({ status: 429, body: 'rate limit exceeded', method: 'PUT', path: '/v1/session/destroy/x' })
const connectionReset = () =>
  new ConsulTransportError({ method: 'PUT', path: `/v1/kv/${KEY}`, cause: new Error('ECONNRESET') })
const denied = () => permissionDenied('PUT', `/v1/kv/${KEY}`)

/** A held lock (own session `sess-1`), sent RELEASE: ends in `releasing.releasingKey`. */
async function releasing(options: { session?: string } = {}): Promise<LockHarness> {
  const h = startLock({ key: KEY, value: 'node-a', ...options })
  await driveToHeld(h, { session: 'sess-1' })
  await h.send({ type: 'RELEASE' })
  return h
}

/**
 * Fails the pending call of `fake` and each of its CLEANUP_RETRIES retries with a new `error()`,
 * waiting out the pause before each retry; `beforeEach(attempt)` checks the lock before every
 * failure. Returns the errors, oldest first.
 */
async function failEveryAttempt<TInput, TOutput>(
  h: LockHarness,
  fake: FakeActor<TInput, TOutput>,
  error: () => Error,
  beforeEach: (attempt: number) => void = () => {},
): Promise<Error[]> {
  const errors: Error[] = []
  for (let attempt = 0; attempt <= CLEANUP_RETRIES; attempt++) {
    beforeEach(attempt)
    const failure = error()
    errors.push(failure)
    await fail(fake, failure)
    if (attempt < CLEANUP_RETRIES) await h.advance(PAST_ANY_PAUSE)
  }
  return errors
}

describe('lock machine: a failed key release', () => {
  it('is retried after 100, 200 and 400 ms: still paused 1 ms before, the retry is sent on time', async () => {
    const h = await releasing()
    const pauses = [100, 200, 400]
    expect(pauses).toEqual([0, 1, 2].map((retry) => cleanupRetryMs(retry)))
    for (const [retry, pause] of pauses.entries()) {
      await fail(h.fakes.releaseKey, leaderLost())
      expect(h.matches('releasing.retryingRelease')).toBe(true)
      expect(h.snapshot().hasTag('releasing')).toBe(true)
      await h.advance(pause - 1)
      expect(h.matches('releasing.retryingRelease'), `retry ${retry + 1} sent early`).toBe(true)
      expect(h.fakes.releaseKey.calls).toHaveLength(retry + 1)
      await h.advance(1)
      expect(h.matches('releasing.releasingKey'), `retry ${retry + 1} not sent after ${pause} ms`).toBe(true)
      expect(h.fakes.releaseKey.calls).toHaveLength(retry + 2)
    }
  })

  it.each([
    ['a 500', leaderLost],
    ['a 429', throttled],
    ['a transport error', connectionReset],
  ])('is retried on %s, silently when a retry succeeds', async (_kind, error) => {
    const h = await releasing()
    await fail(h.fakes.releaseKey, error())
    await h.advance(PAST_ANY_PAUSE)
    expect(h.fakes.releaseKey.inputs()).toEqual([
      { key: KEY, session: 'sess-1', value: 'node-a' },
      { key: KEY, session: 'sess-1', value: 'node-a' },
    ])
    expect(h.fakes.destroySession.calls).toHaveLength(0)
    await answer(h.fakes.releaseKey, true)
    expect(h.matches('releasing.destroyingSession')).toBe(true)
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('idle')).toBe(true)
    expect(h.notifiedTypes()).toEqual(['lock.acquired', 'lock.released'])
  })

  it('after three failed retries: lock.error with the last failure, then its session is destroyed', async () => {
    const h = await releasing()
    const errors = await failEveryAttempt(h, h.fakes.releaseKey, leaderLost, (attempt) => {
      expect(h.matches('releasing.releasingKey')).toBe(true)
      expect(h.notified('lock.error'), `reported before retry ${attempt}`).toEqual([])
    })
    expect(CLEANUP_RETRIES).toBe(3)
    expect(h.fakes.releaseKey.calls).toHaveLength(4)
    expect(h.notified('lock.error')).toEqual([{ type: 'lock.error', key: KEY, error: errors[3] }])
    expect(h.matches('releasing.destroyingSession')).toBe(true)
    expect(h.fakes.destroySession.inputs()).toEqual([{ session: 'sess-1' }])
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('idle')).toBe(true)
    expect(h.notifiedTypes()).toEqual(['lock.acquired', 'lock.error', 'lock.released'])
    expect(h.fakes.releaseKey.calls).toHaveLength(4)
  })

  it('is not retried when the error is not retryable: lock.error at once, the session destroyed', async () => {
    const h = await releasing()
    const error = denied()
    await fail(h.fakes.releaseKey, error)
    expect(h.notified('lock.error')).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(h.matches('releasing.destroyingSession')).toBe(true)
    await h.advance(PAST_ANY_PAUSE)
    expect(h.fakes.releaseKey.calls).toHaveLength(1)
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('idle')).toBe(true)
  })

  it('a non-retryable failure after retries ends the retrying at once', async () => {
    const h = await releasing()
    await fail(h.fakes.releaseKey, leaderLost())
    await h.advance(PAST_ANY_PAUSE)
    const error = denied()
    await fail(h.fakes.releaseKey, error)
    expect(h.notified('lock.error')).toEqual([{ type: 'lock.error', key: KEY, error }])
    expect(h.matches('releasing.destroyingSession')).toBe(true)
    expect(h.fakes.releaseKey.calls).toHaveLength(2)
  })

  it("with the caller's session: retried, then lock.error and idle; the session is never destroyed", async () => {
    const h = await releasing({ session: 'caller-sess' })
    await failEveryAttempt(h, h.fakes.releaseKey, connectionReset)
    expect(h.fakes.releaseKey.calls).toHaveLength(4)
    expect(h.matches('idle')).toBe(true)
    expect(h.notifiedTypes()).toEqual(['lock.acquired', 'lock.error', 'lock.released'])
    expect(h.fakes.destroySession.calls).toHaveLength(0)
  })
})

describe('lock machine: a failed session destroy', () => {
  it('is retried after 100, 200 and 400 ms: still paused 1 ms before, the retry is sent on time', async () => {
    const h = await releasing()
    await answer(h.fakes.releaseKey, true)
    for (const [retry, pause] of [100, 200, 400].entries()) {
      await fail(h.fakes.destroySession, throttled())
      expect(h.matches('releasing.retryingDestroy')).toBe(true)
      await h.advance(pause - 1)
      expect(h.matches('releasing.retryingDestroy'), `retry ${retry + 1} sent early`).toBe(true)
      expect(h.fakes.destroySession.calls).toHaveLength(retry + 1)
      await h.advance(1)
      expect(h.matches('releasing.destroyingSession'), `retry ${retry + 1} not sent after ${pause} ms`).toBe(
        true,
      )
      expect(h.fakes.destroySession.calls).toHaveLength(retry + 2)
    }
  })

  it('gets its own three retries, even after the release used up some', async () => {
    const h = await releasing()
    for (let attempt = 0; attempt < 2; attempt++) {
      await fail(h.fakes.releaseKey, leaderLost())
      await h.advance(PAST_ANY_PAUSE)
    }
    await answer(h.fakes.releaseKey, true)
    expect(h.snapshot().context.cleanupRetries).toBe(0)
    for (let attempt = 0; attempt < CLEANUP_RETRIES; attempt++) {
      await fail(h.fakes.destroySession, connectionReset())
      expect(h.matches('releasing.retryingDestroy'), `destroy attempt ${attempt + 1}`).toBe(true)
      await h.advance(PAST_ANY_PAUSE)
    }
    await answer(h.fakes.destroySession, undefined)
    expect(h.fakes.destroySession.calls).toHaveLength(4)
    expect(h.matches('idle')).toBe(true)
    expect(h.notified('lock.error')).toEqual([])
    expect(h.notified('lock.released')).toHaveLength(1)
  })

  it('after three failed retries: lock.error with the last failure, then idle and lock.released', async () => {
    const h = await releasing()
    await answer(h.fakes.releaseKey, true)
    const errors = await failEveryAttempt(h, h.fakes.destroySession, connectionReset, (attempt) => {
      expect(h.notified('lock.error'), `reported before retry ${attempt}`).toEqual([])
    })
    expect(h.fakes.destroySession.calls).toHaveLength(4)
    expect(h.matches('idle')).toBe(true)
    expect(h.notified('lock.error')).toEqual([{ type: 'lock.error', key: KEY, error: errors[3] }])
    expect(h.notifiedTypes()).toEqual(['lock.acquired', 'lock.error', 'lock.released'])
    await h.advance(PAST_ANY_PAUSE)
    expect(h.fakes.destroySession.calls).toHaveLength(4)
  })

  it('is not retried when the error is not retryable', async () => {
    const h = await releasing()
    await answer(h.fakes.releaseKey, true)
    const error = permissionDenied('PUT', '/v1/session/destroy/sess-1')
    await fail(h.fakes.destroySession, error)
    expect(h.matches('idle')).toBe(true)
    expect(h.notified('lock.error')).toEqual([{ type: 'lock.error', key: KEY, error }])
    await h.advance(PAST_ANY_PAUSE)
    expect(h.fakes.destroySession.calls).toHaveLength(1)
  })
})

describe('lock machine: cleanup retries after a loss (abandoning)', () => {
  it('retries the release and the destroy alike, with no lock.released at the end', async () => {
    const h = startLock({ key: KEY })
    await driveToHeld(h)
    await answer(h.fakes.readKey, { pair: null, index: 30n })
    expect(h.matches('abandoning.releasingKey')).toBe(true)
    await fail(h.fakes.releaseKey, leaderLost())
    expect(h.matches('abandoning.retryingRelease')).toBe(true)
    await h.advance(PAST_ANY_PAUSE)
    await answer(h.fakes.releaseKey, false)
    await fail(h.fakes.destroySession, connectionReset())
    expect(h.matches('abandoning.retryingDestroy')).toBe(true)
    await h.advance(PAST_ANY_PAUSE)
    await answer(h.fakes.destroySession, undefined)
    expect(h.matches('idle')).toBe(true)
    expect(h.fakes.releaseKey.calls).toHaveLength(2)
    expect(h.fakes.destroySession.calls).toHaveLength(2)
    expect(h.notifiedTypes()).toEqual(['lock.acquired', 'lock.lost'])
  })

  it('a session created after CANCEL: its destroy is retried, then reported', async () => {
    const h = startLock({ key: KEY })
    await h.send({ type: 'ACQUIRE' })
    await h.send({ type: 'CANCEL' })
    await answer(h.fakes.createSession, { id: 'late-sess', elapsedMs: 0 })
    await failEveryAttempt(h, h.fakes.destroySession, leaderLost)
    expect(h.fakes.destroySession.inputs()).toEqual(Array(4).fill({ session: 'late-sess' }))
    expect(h.matches('idle')).toBe(true)
    expect(h.notifiedTypes()).toEqual(['lock.error'])
  })

  it('an ACQUIRE during a retry pause waits for idle', async () => {
    const h = await releasing()
    await fail(h.fakes.releaseKey, leaderLost())
    await h.send({ type: 'ACQUIRE' })
    expect(h.matches('releasing.retryingRelease')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(1)
    await h.advance(PAST_ANY_PAUSE)
    await answer(h.fakes.releaseKey, true)
    await answer(h.fakes.destroySession, undefined)
    expect(h.notified('lock.released')).toHaveLength(1)
    expect(h.matches('creatingSession.requested')).toBe(true)
    expect(h.fakes.createSession.calls).toHaveLength(2)
  })
})
