import { beforeAll, describe, expect, it } from 'vitest'
import { lockUsage } from '../../../src/cli/lock/usage.js'
import { assertBuildIsFresh } from '../../support/built-package.js'
import { startCli } from '../../support/cli-process.js'

beforeAll(assertBuildIsFresh)

// No Consul is needed: every case fails before the first request (nothing listens on port 1).
const env = { ...process.env, CONSUL_HTTP_ADDR: '127.0.0.1:1' }

describe('consul-lock usage errors', () => {
  it.each([
    { argv: [], message: 'Key prefix and child command must be specified' },
    { argv: ['service/prefix'], message: 'Key prefix and child command must be specified' },
    { argv: ['-n', '0', 'service/prefix', 'true'], message: 'Lock holder limit must be positive' },
    { argv: ['-timeout=-1s', 'service/prefix', 'true'], message: 'Timeout must be positive' },
    { argv: ['--try', '-1s', 'service/prefix', 'true'], message: 'Timeout must be positive' },
    {
      argv: ['-monitor-retry=-1', 'service/prefix', 'true'],
      message: "Number for 'monitor-retry' must be >= 0",
    },
    { argv: ['-x', 'service/prefix', 'true'], message: 'flag provided but not defined: -x' },
    {
      argv: ['-timeout', '5', 'service/prefix', 'true'],
      message: 'invalid value "5" for flag -timeout: parse error',
    },
    {
      argv: ['-shell=maybe', 'service/prefix', 'true'],
      message: 'invalid boolean value "maybe" for -shell: parse error',
    },
  ])('$argv → "$message", the usage, exit 1', async ({ argv, message }) => {
    const cli = startCli(argv, env)
    expect(await cli.exited).toBe(1)
    expect(cli.stderr()).toBe(`${message}\n\n${lockUsage}`)
    expect(cli.stdout()).toBe('')
  })

  it('reports a client that cannot be built from the HTTP flags as consul lock does', async () => {
    const cli = startCli(['-http-addr=ftp://consul:8500', 'service/prefix', 'true'], env)
    expect(await cli.exited).toBe(1)
    expect(cli.stderr()).toBe(
      "consul-lock: Error connecting to Consul agent: Invalid option 'address': unknown scheme 'ftp' (use http://, https:// or unix://)\n",
    )
  })

  it('reports an unreachable agent as a failed acquisition', async () => {
    const cli = startCli(['service/prefix', 'true'], env)
    expect(await cli.exited).toBe(1)
    expect(cli.stderr()).toMatch(/^consul-lock: Lock acquisition failed: .*ECONNREFUSED.*\n$/)
  })

  it.each([['--help'], ['-help'], ['-h'], ['-verbose', '-help']])(
    '%s prints the usage and exits 0',
    async (...argv) => {
      const cli = startCli(argv, env)
      expect(await cli.exited).toBe(0)
      expect(cli.stdout()).toBe(lockUsage)
    },
  )
})
