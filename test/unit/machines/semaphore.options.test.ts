import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SEMAPHORE_SESSION_NAME,
  DEFAULT_SEMAPHORE_SESSION_TTL,
  DEFAULT_SEMAPHORE_WAIT_TIME,
  resolveSemaphoreOptions,
  type SemaphoreOptions,
} from '../../../machines/semaphore.options.js'
import { InvalidOptionError } from '../../../src/errors.js'

/** The error `resolveSemaphoreOptions` throws for `options`; fails the test if it does not throw. */
function rejectionOf(options: unknown): InvalidOptionError {
  try {
    resolveSemaphoreOptions(options as SemaphoreOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError)
    return error as InvalidOptionError
  }
  throw new Error(`accepted ${JSON.stringify(options)}`)
}

describe('resolveSemaphoreOptions defaults', () => {
  it("equal Go's SemaphoreOptions defaults; the session it creates is deleted with its keys", () => {
    expect(DEFAULT_SEMAPHORE_SESSION_NAME).toBe('Consul API Semaphore')
    expect(DEFAULT_SEMAPHORE_SESSION_TTL).toBe('15s')
    expect(DEFAULT_SEMAPHORE_WAIT_TIME).toBe('15s')
    expect(resolveSemaphoreOptions({ prefix: 'service/workers', limit: 2 })).toEqual({
      prefix: 'service/workers',
      limit: 2,
      value: null,
      session: null,
      sessionOptions: { name: 'Consul API Semaphore', ttl: '15s', behavior: 'delete' },
      sessionTTLMs: 15_000,
      semaphoreWaitTimeMs: 15_000,
      semaphoreTryOnce: false,
      monitorRetries: 0,
      monitorRetryTimeMs: 2_000,
    })
  })

  it('takes every option, durations as Go strings or milliseconds', () => {
    const value = new Uint8Array([1, 2, 3])
    expect(
      resolveSemaphoreOptions({
        prefix: 'a/b',
        limit: 5,
        value,
        session: 'caller-session',
        sessionName: 'worker',
        sessionTTL: 20_000,
        monitorRetries: 3,
        monitorRetryTime: 250,
        semaphoreWaitTime: '1m30s',
        semaphoreTryOnce: true,
      }),
    ).toEqual({
      prefix: 'a/b',
      limit: 5,
      value,
      session: 'caller-session',
      sessionOptions: { name: 'worker', ttl: 20_000, behavior: 'delete' },
      sessionTTLMs: 20_000,
      semaphoreWaitTimeMs: 90_000,
      semaphoreTryOnce: true,
      monitorRetries: 3,
      monitorRetryTimeMs: 250,
    })
  })

  it.each([
    ['service/workers/', 'service/workers'],
    ['service/workers///', 'service/workers'],
    ['service//workers', 'service/workers'],
    ['service/./workers', 'service/workers'],
    ['service/x/../workers', 'service/workers'],
  ])("normalises the prefix %j to %j, as Go's path.Join does", (prefix, normalised) => {
    expect(resolveSemaphoreOptions({ prefix, limit: 1 }).prefix).toBe(normalised)
  })
})

describe('resolveSemaphoreOptions rejects bad options', () => {
  const cases: [description: string, options: unknown, option: string][] = [
    ['no options object', null, 'options'],
    ['a missing prefix', { limit: 1 }, 'prefix'],
    ['an empty prefix', { prefix: '', limit: 1 }, 'prefix'],
    ['a prefix that is not a string', { prefix: 7, limit: 1 }, 'prefix'],
    ['a prefix with a leading slash', { prefix: '/a', limit: 1 }, 'prefix'],
    ['a prefix that leaves its root', { prefix: '../a', limit: 1 }, 'prefix'],
    ['a prefix that is only slashes', { prefix: '//', limit: 1 }, 'prefix'],
    ['a missing limit', { prefix: 'p' }, 'limit'],
    ['a fractional limit', { prefix: 'p', limit: 1.5 }, 'limit'],
    ['a limit beyond the safe integers', { prefix: 'p', limit: 2 ** 53 }, 'limit'],
    ['a limit as a string', { prefix: 'p', limit: '2' }, 'limit'],
    ['a NaN limit', { prefix: 'p', limit: Number.NaN }, 'limit'],
    ['an unknown option', { prefix: 'p', limit: 1, lockDelay: '1s' }, 'lockDelay'],
    ['a value of the wrong type', { prefix: 'p', limit: 1, value: 42 }, 'value'],
    ['an empty session', { prefix: 'p', limit: 1, session: '' }, 'session'],
    ['a sessionName that is not a string', { prefix: 'p', limit: 1, sessionName: 5 }, 'sessionName'],
    ['a zero sessionTTL', { prefix: 'p', limit: 1, sessionTTL: 0 }, 'sessionTTL'],
    ['a malformed sessionTTL', { prefix: 'p', limit: 1, sessionTTL: 'soon' }, 'sessionTTL'],
    ['negative monitorRetries', { prefix: 'p', limit: 1, monitorRetries: -1 }, 'monitorRetries'],
    ['a zero monitorRetryTime', { prefix: 'p', limit: 1, monitorRetryTime: '0ms' }, 'monitorRetryTime'],
    ['a zero semaphoreWaitTime', { prefix: 'p', limit: 1, semaphoreWaitTime: 0 }, 'semaphoreWaitTime'],
    [
      'a semaphoreTryOnce that is not a boolean',
      { prefix: 'p', limit: 1, semaphoreTryOnce: 1 },
      'semaphoreTryOnce',
    ],
  ]

  it.each(cases)('%s', (_description, options, option) => {
    const error = rejectionOf(options)
    expect(error.code).toBe('EINVALIDOPTION')
    expect(error.option).toBe(option)
  })

  it.each([0, -3])("a limit of %d: Go's 'semaphore limit must be positive'", (limit) => {
    expect(rejectionOf({ prefix: 'p', limit }).message).toContain('semaphore limit must be positive')
  })

  it("a missing prefix: Go's 'missing prefix'", () => {
    expect(rejectionOf({ limit: 1 }).message).toContain('missing prefix')
  })

  it('reports the unknown option before anything else', () => {
    expect(rejectionOf({ bogus: 1 }).option).toBe('bogus')
  })
})
