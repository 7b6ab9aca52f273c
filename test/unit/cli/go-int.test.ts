import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../src/cli/args.js'
import { parseGoInt } from '../../../src/cli/go-int.js'
import { parseLockCommandLine } from '../../../src/cli/lock/flags.js'

describe("integers as Go's flag.Int reads them (strconv.ParseInt base 0)", () => {
  it.each([
    ['2', 2],
    ['+3', 3],
    ['-4', -4],
    ['0', 0],
    ['0x2', 2],
    ['0X1f', 31],
    ['-0x10', -16],
    ['010', 8],
    ['0o7', 7],
    ['0O17', 15],
    ['0b11', 3],
    ['0B101', 5],
    ['1_000', 1000],
    ['0x_ff', 255],
    ['0_7', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ])('reads %s as %d', (text, value) => {
    expect(parseGoInt(text)).toBe(value)
  })

  it.each([
    '',
    '-',
    '+',
    '0x',
    '0b',
    '08',
    '0b2',
    '0o8',
    '1.5',
    '1e3',
    '_1',
    '1_',
    '1__0',
    '0x1_',
    'ten',
    ' 1',
  ])('refuses %j as a syntax error', (text) => {
    expect(parseGoInt(text)).toBe('syntax')
  })

  it('says a value too large to be exact is out of range', () => {
    expect(parseGoInt('9007199254740992')).toBe('range')
    expect(parseGoInt('-0x7fffffffffffffff')).toBe('range')
  })

  it("reads -n and -monitor-retry with it, in Go's error texts", () => {
    const config = (argv: string[]) => {
      const line = parseLockCommandLine(argv)
      if (line.help) throw new Error('expected a config')
      return line.config
    }
    expect(config(['-n=0x2', 'p', 'cmd']).limit).toBe(2)
    expect(config(['-n', '010', 'p', 'cmd']).limit).toBe(8)
    expect(config(['-monitor-retry=0b11', 'p', 'cmd']).monitorRetries).toBe(3)
    expect(() => parseLockCommandLine(['-n=0x', 'p', 'cmd'])).toThrow(
      new UsageError('invalid value "0x" for flag -n: parse error'),
    )
    expect(() => parseLockCommandLine(['-n=99999999999999999999', 'p', 'cmd'])).toThrow(
      new UsageError('invalid value "99999999999999999999" for flag -n: value out of range'),
    )
  })
})
