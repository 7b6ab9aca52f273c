/**
 * What the `consul-lock` command's integration tests share: a target (dev server or real
 * Consul), a client to look behind the command's back, and the commands they start, always
 * stopped after each test; then no session of the suite and no key under its prefix is left.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { processHasExited } from '../../../src/cli/lock/process-group.js'
import type { Consul } from '../../../src/client.js'
import type { DevServerOptions } from '../../../src/devserver/index.js'
import { assertBuildIsFresh } from '../../support/built-package.js'
import { cliPath, type RunningProcess, startProcess, stopProcess } from '../../support/cli-process.js'
import { clientFor } from '../../support/client-target.js'
import { type ConsulTarget, startTarget, uniquePrefix } from '../../support/consul-target.js'

export interface LockCliSuite {
  readonly target: ConsulTarget
  readonly consul: Consul
  /** A fresh prefix under the suite's: the default session names of the commands contain it. */
  prefix(label: string): string
  /**
   * Starts `consul-lock <args>` against the target (address and token through the
   * environment, `SHELL=/bin/sh`); it is stopped after the test if it still runs. With
   * `stdin: 'pipe'` the test writes to its stdin (`child.stdin`).
   */
  start(args: readonly string[], options?: { env?: NodeJS.ProcessEnv; stdin?: 'pipe' }): RunningProcess
  /** Flags for fast tests: the smallest session TTL the target takes (at least 1 s), no lock-delay. */
  readonly fastFlags: string[]
  /** Process IDs a child printed: SIGKILLed after the test if still alive. */
  trackPids(...pids: number[]): void
}

export function useLockCli(label: string, targetOptions: DevServerOptions = {}): LockCliSuite {
  const suitePrefix = uniquePrefix(label)
  let target: ConsulTarget | undefined
  let consul: Consul | undefined
  let prefixes = 0
  const running: RunningProcess[] = []
  const pids: number[] = []
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useLockCli: used outside a test (before beforeAll ran)')
    return value
  }

  beforeAll(async () => {
    await assertBuildIsFresh()
    target = await startTarget(targetOptions)
    consul = clientFor(target)
  })
  afterEach(async () => {
    await Promise.all(running.splice(0).map((cli) => stopProcess(cli, 10_000)))
    for (const pid of pids.splice(0)) {
      if (!processHasExited(pid)) process.kill(pid, 'SIGKILL')
    }
    target?.server?.faults.clear()
    const { value: sessions } = await ready(consul).session.list()
    expect(sessions.filter((session) => session.name.includes(suitePrefix))).toEqual([])
  })
  afterAll(async () => {
    if (consul) {
      await consul.kv.delete(`${suitePrefix}/`, { recurse: true })
      await consul.close()
    }
    await target?.close()
  })

  return {
    get target() {
      return ready(target)
    },
    get consul() {
      return ready(consul)
    },
    prefix: (name) => `${suitePrefix}/${name}-${++prefixes}`,
    start(args, options = {}) {
      const current = ready(target)
      const env = {
        ...process.env,
        CONSUL_HTTP_ADDR: current.address,
        CONSUL_HTTP_TOKEN: current.token ?? '',
        SHELL: '/bin/sh',
        ...options.env,
      }
      const cli = startProcess(process.execPath, [cliPath, ...args], {
        env,
        stdin: options.stdin ?? 'ignore',
      })
      running.push(cli)
      return cli
    },
    get fastFlags() {
      return ['-session-ttl', `${Math.max(ready(target).minTTLms, 1000)}ms`, '-lock-delay=0s']
    },
    trackPids: (...more) => {
      pids.push(...more)
    },
  }
}

/** The timestamp of a `-verbose` line, in ms since the epoch. */
export function verboseTime(line: string): number {
  return Date.parse(line.slice(0, line.indexOf(' ')))
}

/** The session holding `<prefix>/.lock` now (throws when nobody does). */
export async function holdingSession(consul: Consul, prefix: string): Promise<string> {
  const { value: pair } = await consul.kv.get(`${prefix}/.lock`)
  if (pair?.session === undefined) throw new Error(`${prefix}/.lock is not held`)
  return pair.session
}
