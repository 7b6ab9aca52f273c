import { describe, expect, it } from 'vitest'
import { UsageError } from '../../../src/cli/args.js'
import { defaultSessionName, parseLockCommandLine } from '../../../src/cli/lock/flags.js'

function configOf(argv: readonly string[]) {
  const line = parseLockCommandLine(argv)
  if (line.help) throw new Error('expected a config, got help')
  return line.config
}

describe('consul-lock flags', () => {
  it("has consul lock's defaults", () => {
    expect(configOf(['service/job', 'run.sh', '--fast'])).toEqual({
      prefix: 'service/job',
      lockKey: 'service/job/.lock',
      command: ['run.sh', '--fast'],
      limit: 1,
      sessionName: "Consul lock for 'run.sh --fast' at 'service/job'",
      timeoutMs: 0,
      monitorRetries: 3,
      shell: true,
      passStdin: false,
      childExitCode: false,
      verbose: false,
      killGraceMs: 5000,
      sessionTTL: '15s',
      lockDelay: undefined,
      http: {},
    })
  })

  it('reads every flag in Go style and GNU style alike', () => {
    const goStyle = [
      '-n=3',
      '-name',
      'nightly',
      '-timeout=1m30s',
      '-monitor-retry',
      '0',
      '-shell=false',
      '-pass-stdin',
      '-child-exit-code',
      '-verbose',
      '-kill-grace=250ms',
      '-session-ttl=10s',
      '-lock-delay=0s',
      '-http-addr=https://consul:8501',
      '-token-file=/run/token',
      '-datacenter',
      'dc2',
      'service/job',
      'run.sh',
    ]
    const gnuStyle = goStyle.map((arg) => (arg.startsWith('-') && !arg.startsWith('--') ? `-${arg}` : arg))
    for (const argv of [goStyle, gnuStyle]) {
      expect(configOf(argv)).toMatchObject({
        limit: 3,
        sessionName: 'nightly',
        timeoutMs: 90_000,
        monitorRetries: 0,
        shell: false,
        passStdin: true,
        childExitCode: true,
        verbose: true,
        killGraceMs: 250,
        sessionTTL: '10s',
        lockDelay: '0s',
        http: { 'http-addr': 'https://consul:8501', 'token-file': '/run/token', datacenter: 'dc2' },
      })
    }
  })

  it('ends the flags at the prefix: what follows belongs to the command', () => {
    const config = configOf(['-verbose', 'service/job', '-n', '2', '--timeout=1s'])
    expect(config).toMatchObject({ limit: 1, timeoutMs: 0, command: ['-n', '2', '--timeout=1s'] })
  })

  it('drops one leading slash from the prefix, as Go does (a prefix named like a subcommand)', () => {
    expect(configOf(['/status', 'true'])).toMatchObject({ prefix: 'status', lockKey: 'status/.lock' })
  })

  it('reads -try as the deprecated name of -timeout, the one given last winning', () => {
    expect(configOf(['-try=2s', 'p', 'true']).timeoutMs).toBe(2000)
    expect(configOf(['-timeout', '1s', '-try', '3s', 'p', 'true']).timeoutMs).toBe(3000)
    expect(configOf(['--try=3s', '--timeout=1s', 'p', 'true']).timeoutMs).toBe(1000)
  })

  it('names the session after the command as typed and the prefix', () => {
    expect(defaultSessionName(['echo', '"a b"'], 'jobs/x')).toBe(`Consul lock for 'echo "a b"' at 'jobs/x'`)
    expect(configOf(['-name=', 'jobs/x', 'true']).sessionName).toBe("Consul lock for 'true' at 'jobs/x'")
  })

  it('asks for help with -h, -help and --help', () => {
    for (const flag of ['-h', '-help', '--help']) expect(parseLockCommandLine([flag])).toEqual({ help: true })
  })

  it.each([
    { argv: ['p'], message: 'Key prefix and child command must be specified' },
    { argv: ['-n', '0', 'p', 'true'], message: 'Lock holder limit must be positive' },
    { argv: ['-n=-2', 'p'], message: 'Lock holder limit must be positive' },
    { argv: ['-timeout=-1s', 'p', 'true'], message: 'Timeout must be positive' },
    { argv: ['-monitor-retry=-1', 'p', 'true'], message: "Number for 'monitor-retry' must be >= 0" },
    { argv: ['-kill-grace=-1s', 'p', 'true'], message: 'Kill grace period must be positive' },
    { argv: ['-x', 'p', 'true'], message: 'flag provided but not defined: -x' },
    { argv: ['-n'], message: 'flag needs an argument: -n' },
    { argv: ['-n', 'three', 'p', 'true'], message: 'invalid value "three" for flag -n: parse error' },
    { argv: ['-n', '1e3', 'p', 'true'], message: 'invalid value "1e3" for flag -n: parse error' },
    {
      argv: ['-monitor-retry=99999999999999999999', 'p', 'true'],
      message: 'invalid value "99999999999999999999" for flag -monitor-retry: value out of range',
    },
    { argv: ['-timeout=10', 'p', 'true'], message: 'invalid value "10" for flag -timeout: parse error' },
    {
      argv: ['-session-ttl=soon', 'p', 'true'],
      message: 'invalid value "soon" for flag -session-ttl: parse error',
    },
    { argv: ['-verbose=2', 'p', 'true'], message: 'invalid boolean value "2" for -verbose: parse error' },
  ])("$argv: '$message'", ({ argv, message }) => {
    expect(() => parseLockCommandLine(argv)).toThrow(new UsageError(message))
  })

  it("checks in consul lock's order: the limit before the arguments", () => {
    expect(() => parseLockCommandLine(['-n=0'])).toThrow(new UsageError('Lock holder limit must be positive'))
  })
})

describe('consul-lock -inspect[=port]', () => {
  it('is off by default', () => {
    expect(configOf(['service/job', 'run.sh']).inspectPort).toBeUndefined()
  })

  it('alone means any free port, and leaves the next argument alone', () => {
    for (const flag of ['-inspect', '--inspect']) {
      expect(configOf([flag, 'service/job', 'run.sh'])).toMatchObject({
        inspectPort: 0,
        prefix: 'service/job',
        command: ['run.sh'],
      })
      expect(configOf([flag, '-timeout', '5s', 'service/job', 'run.sh'])).toMatchObject({
        inspectPort: 0,
        timeoutMs: 5000,
      })
    }
  })

  it('takes a port joined to it, Go style or GNU style', () => {
    expect(configOf(['-inspect=9400', 'service/job', 'run.sh']).inspectPort).toBe(9400)
    expect(configOf(['--inspect=0', '-verbose', 'service/job', 'run.sh']).inspectPort).toBe(0)
  })

  it("is the child's when it comes after the prefix", () => {
    expect(configOf(['service/job', 'node', '--inspect', 'app.js'])).toMatchObject({
      inspectPort: undefined,
      command: ['node', '--inspect', 'app.js'],
    })
  })

  it('refuses a value that is no port', () => {
    expect(() => configOf(['-inspect=x', 'service/job', 'run.sh'])).toThrow(
      new UsageError('invalid value "x" for flag -inspect: parse error'),
    )
    expect(() => configOf(['-inspect=70000', 'service/job', 'run.sh'])).toThrow(
      new UsageError('invalid value "70000" for flag -inspect: not a port (0 to 65535)'),
    )
  })
})
