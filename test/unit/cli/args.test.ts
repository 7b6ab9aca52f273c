import { describe, expect, it } from 'vitest'
import { normaliseGoStyleFlags, parseFlags, UsageError } from '../../../src/cli/args.js'

const options = {
  port: { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

describe('command-line flags', () => {
  it('reads Go-style and GNU-style long flags alike', () => {
    for (const argv of [['-port=1'], ['-port', '1'], ['--port=1'], ['--port', '1']]) {
      expect(parseFlags(argv, options).values.port).toBe('1')
    }
  })

  it('reads a single-dash word as one long flag, never as clustered short flags', () => {
    expect(parseFlags(['-verbose'], options).values.verbose).toBe(true)
    expect(parseFlags(['-h'], options).values.help).toBe(true)
  })

  it('stops at the first positional argument and passes the rest through untouched', () => {
    const { values, positionals } = parseFlags(['-verbose', 'prefix', 'ls', '-la', '--port', '2'], options)
    expect(values).toEqual({ verbose: true })
    expect(positionals).toEqual(['prefix', 'ls', '-la', '--port', '2'])
  })

  it('keeps a flag value that looks like a flag', () => {
    expect(normaliseGoStyleFlags(['-port', '-1', 'x'], options)).toEqual(['--port=-1', '--', 'x'])
    expect(parseFlags(['-port', '-1', 'x'], options).values.port).toBe('-1')
  })

  it("reads a boolean's value in Go's forms, the last one given winning", () => {
    expect(parseFlags(['-verbose=false'], options).values.verbose).toBe(false)
    expect(parseFlags(['--verbose=1', 'x'], options).values.verbose).toBe(true)
    expect(parseFlags(['-verbose=false', '-verbose'], options).values.verbose).toBe(true)
    expect(parseFlags(['-verbose', '-verbose=F'], options).values.verbose).toBe(false)
    expect(() => parseFlags(['-verbose=yes'], options)).toThrow(
      new UsageError('invalid boolean value "yes" for -verbose: parse error'),
    )
  })

  it('leaves the arguments after the first positional alone, booleans included', () => {
    const { values, positionals } = parseFlags(['x', '--verbose=nope', '-bogus'], options)
    expect(values).toEqual({})
    expect(positionals).toEqual(['x', '--verbose=nope', '-bogus'])
  })

  it('reads a one-letter long flag the command defines, and leaves other letters as short aliases', () => {
    const withN = { ...options, n: { type: 'string' } } as const
    for (const argv of [['-n', '3'], ['-n=3'], ['--n', '3']]) {
      expect(parseFlags(argv, withN).values.n).toBe('3')
    }
    expect(parseFlags(['-h'], withN).values.help).toBe(true)
    expect(() => parseFlags(['-x'], withN)).toThrow(new UsageError('flag provided but not defined: -x'))
  })

  it("words unknown flags and missing values as Go's flag package does", () => {
    expect(() => parseFlags(['-bogus'], options)).toThrow(
      new UsageError('flag provided but not defined: -bogus'),
    )
    expect(() => parseFlags(['-port'], options)).toThrow(new UsageError('flag needs an argument: -port'))
  })

  it('names an unknown flag whatever its characters, as Go does (`_` included)', () => {
    expect(() => parseFlags(['-http_addr=x', 'p'], options)).toThrow(
      new UsageError('flag provided but not defined: -http_addr'),
    )
    expect(() => parseFlags(['--http_addr', 'x'], options)).toThrow(
      new UsageError('flag provided but not defined: -http_addr'),
    )
  })

  it.each(['---n', '-=1', '--=1'])("refuses %s as Go's bad flag syntax", (arg) => {
    expect(() => parseFlags([arg, 'p'], options)).toThrow(new UsageError(`bad flag syntax: ${arg}`))
  })
})
