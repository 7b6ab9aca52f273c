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
    expect(normaliseGoStyleFlags(['-port', '-1', 'x'], options)).toEqual(['--port', '-1', '--', 'x'])
  })

  it("words unknown flags and missing values as Go's flag package does", () => {
    expect(() => parseFlags(['-bogus'], options)).toThrow(
      new UsageError('flag provided but not defined: -bogus'),
    )
    expect(() => parseFlags(['-port'], options)).toThrow(new UsageError('flag needs an argument: -port'))
  })
})
