import { describe, expect, it } from 'vitest'
import {
  CLEANUP_RETRIES,
  cleanupRetryMs,
  LOCK_DELAY_BACKOFF_BASE_MS,
  leaseRemainingMs,
  lockDelayBackoffMs,
  renewIntervalMs,
  renewRetryMs,
  renewTimeoutMs,
} from '../../../machines/lock.timing.js'

describe('lockDelayBackoffMs', () => {
  it('starts at 50 ms and doubles with each attempt', () => {
    expect(LOCK_DELAY_BACKOFF_BASE_MS).toBe(50)
    expect([0, 1, 2, 3].map((attempt) => lockDelayBackoffMs(attempt, 5_000))).toEqual([50, 100, 200, 400])
  })

  it('is capped at retryTime', () => {
    expect([0, 1, 2, 3, 4, 5, 20].map((attempt) => lockDelayBackoffMs(attempt, 500))).toEqual([
      50, 100, 200, 400, 500, 500, 500,
    ])
  })

  it('never exceeds a cap below the first step', () => {
    expect(lockDelayBackoffMs(0, 30)).toBe(30)
  })
})

describe('renew timing', () => {
  it('renews at half the TTL, as Go does', () => {
    expect(renewIntervalMs(15_000)).toBe(7_500)
    expect(renewIntervalMs(10_000)).toBe(5_000)
  })

  it('retries a failed renew after a quarter TTL, at most after 1 s', () => {
    expect(renewRetryMs(15_000)).toBe(1_000)
    expect(renewRetryMs(4_000)).toBe(1_000)
    expect(renewRetryMs(2_000)).toBe(500)
  })

  it('gives a renew a quarter TTL before counting it as failed', () => {
    expect(renewTimeoutMs(15_000)).toBe(3_750)
    expect(renewTimeoutMs(200)).toBe(50)
  })

  it('leaves room for a timed-out renew and its retry before the TTL ends', () => {
    for (const ttl of [200, 10_000, 15_000, 60_000]) {
      expect(renewIntervalMs(ttl) + renewTimeoutMs(ttl) + renewRetryMs(ttl)).toBeLessThanOrEqual(ttl)
    }
  })
})

describe('leaseRemainingMs', () => {
  it('counts the TTL from when the renew was sent', () => {
    expect(leaseRemainingMs(15_000, 0)).toBe(15_000)
    expect(leaseRemainingMs(15_000, 250)).toBe(14_750)
  })

  it('is never negative', () => {
    expect(leaseRemainingMs(1_000, 1_000)).toBe(0)
    expect(leaseRemainingMs(1_000, 5_000)).toBe(0)
  })
})

describe('cleanup retries', () => {
  it('retries a failed release or destroy three times, pausing 100, 200, then 400 ms', () => {
    expect(CLEANUP_RETRIES).toBe(3)
    expect(Array.from({ length: CLEANUP_RETRIES }, (_, retry) => cleanupRetryMs(retry))).toEqual([
      100, 200, 400,
    ])
  })
})
