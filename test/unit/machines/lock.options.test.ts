import { describe, expect, it } from 'vitest'
import {
  DEFAULT_LOCK_RETRY_TIME,
  DEFAULT_LOCK_SESSION_NAME,
  DEFAULT_LOCK_SESSION_TTL,
  DEFAULT_LOCK_WAIT_TIME,
  DEFAULT_MONITOR_RETRY_TIME,
  type LockOptions,
  resolveLockOptions,
} from '../../../machines/lock.options.js'
import type { SessionCreateOptions } from '../../../src/consul/types.js'
import { InvalidOptionError } from '../../../src/errors.js'

/** The error `resolveLockOptions` throws for `options`; fails the test if it does not throw. */
function rejectionOf(options: unknown): InvalidOptionError {
  try {
    resolveLockOptions(options as LockOptions)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError)
    return error as InvalidOptionError
  }
  throw new Error(`accepted ${JSON.stringify(options)}`)
}

describe('resolveLockOptions defaults', () => {
  it("equal Go's LockOptions defaults", () => {
    expect(DEFAULT_LOCK_SESSION_NAME).toBe('Consul API Lock')
    expect(DEFAULT_LOCK_SESSION_TTL).toBe('15s')
    expect(DEFAULT_LOCK_WAIT_TIME).toBe('15s')
    expect(DEFAULT_MONITOR_RETRY_TIME).toBe('2s')
    expect(DEFAULT_LOCK_RETRY_TIME).toBe('500ms')
    expect(resolveLockOptions({ key: 'service/leader' })).toEqual({
      key: 'service/leader',
      value: null,
      session: null,
      sessionOptions: { name: 'Consul API Lock', ttl: '15s' },
      sessionTTLMs: 15_000,
      lockWaitTimeMs: 15_000,
      lockTryOnce: false,
      monitorRetries: 0,
      monitorRetryTimeMs: 2_000,
      retryTimeMs: 500,
    })
  })

  it('takes every option, durations as Go strings or milliseconds', () => {
    const value = new Uint8Array([1, 2, 3])
    expect(
      resolveLockOptions({
        key: 'a/b',
        value,
        session: 'caller-session',
        sessionName: 'worker',
        sessionTTL: 20_000,
        lockDelay: '1.5s',
        lockWaitTime: '1m30s',
        lockTryOnce: true,
        monitorRetries: 3,
        monitorRetryTime: 250,
        retryTime: '2s',
      }),
    ).toEqual({
      key: 'a/b',
      value,
      session: 'caller-session',
      sessionOptions: { name: 'worker', ttl: 20_000, lockDelay: '1.5s' },
      sessionTTLMs: 20_000,
      lockWaitTimeMs: 90_000,
      lockTryOnce: true,
      monitorRetries: 3,
      monitorRetryTimeMs: 250,
      retryTimeMs: 2_000,
    })
  })

  it('keeps a lockDelay of 0 (no delay, which Go cannot express)', () => {
    expect(resolveLockOptions({ key: 'k', lockDelay: 0 }).sessionOptions).toEqual({
      name: 'Consul API Lock',
      ttl: '15s',
      lockDelay: 0,
    })
    expect(resolveLockOptions({ key: 'k', lockDelay: '0s' }).sessionOptions.lockDelay).toBe('0s')
  })

  it("leaves Consul's 10 s TTL minimum to the server", () => {
    const settings = resolveLockOptions({ key: 'k', sessionTTL: '1s' })
    expect(settings.sessionTTLMs).toBe(1_000)
    expect(settings.sessionOptions.ttl).toBe('1s')
    expect(resolveLockOptions({ key: 'k', sessionTTL: 200 }).sessionTTLMs).toBe(200)
  })
})

describe('resolveLockOptions sessionOptions', () => {
  it('uses sessionOptions verbatim, ignoring sessionName, sessionTTL and lockDelay', () => {
    const sessionOptions: SessionCreateOptions = {
      name: 'custom',
      ttl: '30s',
      behavior: 'delete',
      lockDelay: '5s',
      nodeChecks: [],
      serviceChecks: [{ id: 'svc' }],
    }
    const settings = resolveLockOptions({
      key: 'k',
      sessionOptions: { ...sessionOptions },
      sessionName: 'ignored',
      sessionTTL: '99s',
      lockDelay: 0,
    })
    expect(settings.sessionOptions).toEqual(sessionOptions)
    expect(settings.sessionTTLMs).toBe(30_000)
  })

  it('renews nothing (TTL 0) when sessionOptions has no ttl', () => {
    const settings = resolveLockOptions({ key: 'k', sessionOptions: { name: 'no-ttl' } })
    expect(settings.sessionOptions).toEqual({ name: 'no-ttl' })
    expect(settings.sessionTTLMs).toBe(0)
  })

  it('takes a numeric sessionOptions ttl as milliseconds', () => {
    expect(resolveLockOptions({ key: 'k', sessionOptions: { ttl: 12_000 } }).sessionTTLMs).toBe(12_000)
  })
})

describe('resolveLockOptions rejects bad options', () => {
  const cases: [description: string, options: unknown, option: string][] = [
    ['no options object', null, 'options'],
    ['a missing key', {}, 'key'],
    ['a key that is not a string', { key: 7 }, 'key'],
    ['an empty key', { key: '' }, 'key'],
    ['a key with a leading slash', { key: '/a' }, 'key'],
    ['a key with an empty segment', { key: 'a//b' }, 'key'],
    ['a key with a .. segment', { key: 'a/../b' }, 'key'],
    ['an unknown option', { key: 'k', sessionTtl: '15s' }, 'sessionTtl'],
    ['a value of the wrong type', { key: 'k', value: 42 }, 'value'],
    ['a value that is a plain object', { key: 'k', value: { a: 1 } }, 'value'],
    ['an empty session', { key: 'k', session: '' }, 'session'],
    ['a session that is not a string', { key: 'k', session: 12 }, 'session'],
    ['a sessionName that is not a string', { key: 'k', sessionName: 5 }, 'sessionName'],
    ['a negative sessionTTL', { key: 'k', sessionTTL: -1 }, 'sessionTTL'],
    ['a zero sessionTTL', { key: 'k', sessionTTL: 0 }, 'sessionTTL'],
    ['a zero sessionTTL string', { key: 'k', sessionTTL: '0s' }, 'sessionTTL'],
    ['a sessionTTL without a unit', { key: 'k', sessionTTL: '15' }, 'sessionTTL'],
    ['a malformed sessionTTL', { key: 'k', sessionTTL: 'soon' }, 'sessionTTL'],
    ['a negative lockDelay', { key: 'k', lockDelay: '-1s' }, 'lockDelay'],
    ['a malformed lockDelay', { key: 'k', lockDelay: 'x' }, 'lockDelay'],
    ['a negative lockWaitTime', { key: 'k', lockWaitTime: '-5s' }, 'lockWaitTime'],
    ['a zero lockWaitTime', { key: 'k', lockWaitTime: 0 }, 'lockWaitTime'],
    ['an infinite lockWaitTime', { key: 'k', lockWaitTime: Number.POSITIVE_INFINITY }, 'lockWaitTime'],
    ['a lockTryOnce that is not a boolean', { key: 'k', lockTryOnce: 'yes' }, 'lockTryOnce'],
    ['negative monitorRetries', { key: 'k', monitorRetries: -1 }, 'monitorRetries'],
    ['fractional monitorRetries', { key: 'k', monitorRetries: 1.5 }, 'monitorRetries'],
    ['NaN monitorRetries', { key: 'k', monitorRetries: Number.NaN }, 'monitorRetries'],
    ['monitorRetries as a string', { key: 'k', monitorRetries: '2' }, 'monitorRetries'],
    ['a negative monitorRetryTime', { key: 'k', monitorRetryTime: -100 }, 'monitorRetryTime'],
    ['a zero monitorRetryTime', { key: 'k', monitorRetryTime: '0ms' }, 'monitorRetryTime'],
    ['a negative retryTime', { key: 'k', retryTime: '-1ms' }, 'retryTime'],
    ['a zero retryTime', { key: 'k', retryTime: 0 }, 'retryTime'],
    ['a duration of the wrong type', { key: 'k', retryTime: true }, 'retryTime'],
  ]

  it.each(cases)('%s', (_description, options, option) => {
    const error = rejectionOf(options)
    expect(error.code).toBe('EINVALIDOPTION')
    expect(error.option).toBe(option)
    expect(error.message).toContain(`'${option}'`)
  })

  const sessionOptionCases: [description: string, sessionOptions: unknown, field: string][] = [
    ['a bad behavior', { behavior: 'destroy' }, 'behavior'],
    ['a malformed ttl', { ttl: 'abc' }, 'ttl'],
    ['a negative ttl', { ttl: '-10s' }, 'ttl'],
    ['a negative lockDelay', { lockDelay: -1 }, 'lockDelay'],
    ['a name that is not a string', { name: 3 }, 'name'],
    ['nodeChecks that are not a list', { nodeChecks: 'serfHealth' }, 'nodeChecks'],
    ['a service check without an id', { serviceChecks: [{ id: '' }] }, 'serviceChecks[0].id'],
  ]

  it.each(sessionOptionCases)('a sessionOptions field: %s', (_description, sessionOptions, field) => {
    const error = rejectionOf({ key: 'k', sessionOptions })
    expect(error.code).toBe('EINVALIDOPTION')
    // Named as the field of the session-create body, with or without a `sessionOptions.` prefix.
    expect([field, `sessionOptions.${field}`]).toContain(error.option)
  })

  it('sessionOptions that are not an object, naming sessionOptions', () => {
    const error = rejectionOf({ key: 'k', sessionOptions: 'ttl=15s' })
    expect(error.code).toBe('EINVALIDOPTION')
    expect(error.option).toBe('sessionOptions')
  })

  it('reports the unknown option before anything else', () => {
    expect(rejectionOf({ bogus: 1 }).option).toBe('bogus')
  })
})
