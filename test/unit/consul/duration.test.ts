import { describe, expect, it } from 'vitest'
import {
  formatGoDuration,
  formatMillisecondsForConsul,
  parseGoDuration,
  toMilliseconds,
} from '../../../src/consul/duration.js'
import { InvalidOptionError } from '../../../src/errors.js'

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['15s', 15_000],
    ['250ms', 250],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2h45m0.5s', 9_900_500],
    ['100us', 0.1],
    ['100µs', 0.1],
    ['100μs', 0.1],
    ['1500000ns', 1.5],
    ['.5s', 500],
    ['5.s', 5000],
    ['-1s', -1000],
    ['+2s', 2000],
  ])('parses %s as %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9)
  })

  it.each(['', '1', 's', '1x', '1 s', '1s ', '.s', '-', '1d', '1.2.3s', '10z'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined()
  })
})

describe('toMilliseconds', () => {
  it('accepts numbers as milliseconds and Go strings', () => {
    expect(toMilliseconds(1234, 'wait')).toBe(1234)
    expect(toMilliseconds('2s', 'wait')).toBe(2000)
  })

  it.each([-1, '-1s', Number.NaN, Number.POSITIVE_INFINITY, '5 seconds', true])(
    'rejects %j with an InvalidOptionError naming the option',
    (value) => {
      expect(() => toMilliseconds(value as never, 'lockDelay')).toThrow(InvalidOptionError)
      expect(() => toMilliseconds(value as never, 'lockDelay')).toThrow(/'lockDelay'/)
    },
  )
})

describe('formatting', () => {
  it('formats wait and lock-delay as whole milliseconds like Go, never rounding a positive value to 0', () => {
    expect(formatMillisecondsForConsul(15_000)).toBe('15000ms')
    expect(formatMillisecondsForConsul(1.9)).toBe('1ms')
    expect(formatMillisecondsForConsul(0.001)).toBe('1ms')
    expect(formatMillisecondsForConsul(0)).toBe('0ms')
  })

  it('formats a TTL as a short exact Go duration', () => {
    expect(formatGoDuration(15_000)).toBe('15s')
    expect(formatGoDuration(1500)).toBe('1500ms')
    expect(formatGoDuration(0)).toBe('0s')
    expect(formatGoDuration(0.25)).toBe('250us')
    expect(parseGoDuration(formatGoDuration(86_400_000))).toBe(86_400_000)
  })
})
