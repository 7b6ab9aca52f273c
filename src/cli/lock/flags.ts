/**
 * The flags of `consul-lock [options] <prefix> <command...>` (Go's `consul lock`, plus
 * `-kill-grace`, `-session-ttl` and `-lock-delay`), read into a typed config. Values are
 * checked as Go's `flag` package checks them and validation errors use `consul lock`'s texts,
 * in its order, so scripts that match on them keep working.
 */
// The client's own Go-duration parser: the durations given here mean what they mean to it.
import { parseGoDuration } from '../../consul/duration.js'
import { goPathJoin } from '../../consul/key-path.js'
import { normaliseGoStyleFlags, parseFlags, UsageError } from '../args.js'
import { parseGoInt } from '../go-int.js'
import { trimPrefixArgument } from '../prefix.js'
import { type HttpFlagValues, httpFlagOptions } from './http-options.js'

export const lockFlagOptions = {
  n: { type: 'string', default: '1' },
  name: { type: 'string', default: '' },
  timeout: { type: 'string' },
  try: { type: 'string' },
  'monitor-retry': { type: 'string', default: '3' },
  shell: { type: 'boolean', default: true },
  'pass-stdin': { type: 'boolean', default: false },
  'child-exit-code': { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  'kill-grace': { type: 'string', default: '5s' },
  'session-ttl': { type: 'string', default: '15s' },
  'lock-delay': { type: 'string' },
  // `--inspect` alone or `--inspect=<port>` (see `withInspectValue`).
  inspect: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  ...httpFlagOptions,
} as const

/** What the lock command runs with. Durations in milliseconds. */
export interface LockCommandConfig {
  /** The prefix, without the leading `/` (as Go trims it). */
  prefix: string
  /** The lock's key when `limit` is 1: `<prefix>/.lock`. */
  lockKey: string
  /** The child command and its arguments. */
  command: string[]
  /** 1: a lock; more: a semaphore with this many holders. */
  limit: number
  sessionName: string
  /** 0: wait for the lock for ever; more: try this long, once. */
  timeoutMs: number
  monitorRetries: number
  shell: boolean
  passStdin: boolean
  childExitCode: boolean
  verbose: boolean
  killGraceMs: number
  /** As given (a Go duration): the library reads it. */
  sessionTTL: string
  /** As given; `undefined`: Consul's default (15 s). */
  lockDelay: string | undefined
  /** `-inspect[=port]`: the port of the inspector's page (0: any free one); `undefined`: none. */
  inspectPort: number | undefined
  http: HttpFlagValues
}

export type LockCommandLine = { help: true } | { help: false; config: LockCommandConfig }

/**
 * Reads the command line of the lock command. Throws a `UsageError` with `consul lock`'s text
 * for a bad flag or argument.
 */
export function parseLockCommandLine(given: readonly string[]): LockCommandLine {
  const argv = withInspectValue(given)
  const { values, positionals } = parseFlags(argv, lockFlagOptions)
  if (values.help) return { help: true }
  // Go's flag package rejects a malformed value while parsing, before any other check.
  const limit = goInt(values.n, 'n')
  const monitorRetries = goInt(values['monitor-retry'], 'monitor-retry')
  // `-try` is the deprecated name of the same setting: the one given last wins, as in Go.
  const timeoutText = lastGiven(argv, ['timeout', 'try'])
  const timeoutMs = timeoutText === undefined ? 0 : goDuration(timeoutText.value, timeoutText.flag)
  const killGraceMs = goDuration(values['kill-grace'], 'kill-grace')
  goDuration(values['session-ttl'], 'session-ttl')
  if (values['lock-delay'] !== undefined) goDuration(values['lock-delay'], 'lock-delay')
  const inspectPort = values.inspect === undefined ? undefined : portOf(values.inspect, 'inspect')

  if (limit <= 0) throw new UsageError('Lock holder limit must be positive')
  if (positionals.length < 2) throw new UsageError('Key prefix and child command must be specified')
  const prefix = trimPrefixArgument(positionals[0] as string)
  const command = positionals.slice(1)
  if (timeoutMs < 0) throw new UsageError('Timeout must be positive')
  if (monitorRetries < 0) throw new UsageError("Number for 'monitor-retry' must be >= 0")
  if (killGraceMs < 0) throw new UsageError('Kill grace period must be positive')

  return {
    help: false,
    config: {
      prefix,
      lockKey: goPathJoin(prefix, '.lock'),
      command,
      limit,
      sessionName: values.name || defaultSessionName(command, prefix),
      timeoutMs,
      monitorRetries,
      shell: values.shell,
      passStdin: values['pass-stdin'],
      childExitCode: values['child-exit-code'],
      verbose: values.verbose,
      killGraceMs,
      sessionTTL: values['session-ttl'],
      lockDelay: values['lock-delay'],
      inspectPort,
      http: httpValues(values),
    },
  }
}

/** Go's default session name: the child command as typed, and the prefix. */
export function defaultSessionName(command: readonly string[], prefix: string): string {
  return `Consul lock for '${command.join(' ')}' at '${prefix}'`
}

function httpValues(values: Record<string, unknown>): HttpFlagValues {
  const http: Record<string, unknown> = {}
  for (const name of Object.keys(httpFlagOptions)) {
    if (values[name] !== undefined) http[name] = values[name]
  }
  return http as HttpFlagValues
}

/**
 * `-inspect` takes its value only joined (`-inspect=9400`), as Node's own `--inspect[=port]`:
 * alone it means any free port, and the next argument stays what it is (the prefix, another
 * flag). Rewrites a lone `-inspect` before the first positional argument as `--inspect=0`.
 */
function withInspectValue(argv: readonly string[]): string[] {
  const asBoolean = { ...lockFlagOptions, inspect: { type: 'boolean' } } as const
  const normalised = normaliseGoStyleFlags(argv, asBoolean)
  const end = normalised.indexOf('--')
  return normalised.map((arg, i) => (arg === '--inspect' && (end === -1 || i < end) ? '--inspect=0' : arg))
}

/** A TCP port: 0 (any free one) to 65535. */
function portOf(text: string, flag: string): number {
  const port = goInt(text, flag)
  if (port < 0 || port > 65_535) throw invalidValue(text, flag, 'not a port (0 to 65535)')
  return port
}

/** Go's `flag` Int (`0x10`, `010`, `1_000` too; the text as Go's `flag` package prints it on error). */
function goInt(text: string, flag: string): number {
  const value = parseGoInt(text)
  if (value === 'syntax') throw invalidValue(text, flag, 'parse error')
  if (value === 'range') throw invalidValue(text, flag, 'value out of range')
  return value
}

/** Go's `flag` Duration (`time.ParseDuration` syntax), in milliseconds. */
function goDuration(text: string, flag: string): number {
  const ms = parseGoDuration(text)
  if (ms === undefined) throw invalidValue(text, flag, 'parse error')
  return ms
}

function invalidValue(text: string, flag: string, why: string): UsageError {
  return new UsageError(`invalid value ${JSON.stringify(text)} for flag -${flag}: ${why}`)
}

/**
 * Of flags that set one variable, the one given last on the command line and its value
 * (`undefined` when none was given). Read from the normalised arguments, where every value is
 * joined to its flag (`--try=5s`).
 */
function lastGiven<const F extends string>(
  argv: readonly string[],
  flags: readonly F[],
): { flag: F; value: string } | undefined {
  let last: { flag: F; value: string } | undefined
  for (const arg of normaliseGoStyleFlags(argv, lockFlagOptions)) {
    if (arg === '--') break
    const [, name, value] = /^--([^=]+)=(.*)$/s.exec(arg) ?? []
    const flag = flags.find((candidate) => candidate === name)
    if (flag !== undefined && value !== undefined) last = { flag, value }
  }
  return last
}
