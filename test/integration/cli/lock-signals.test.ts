import { describe, expect, it } from 'vitest'
import { processHasExited } from '../../../src/cli/lock/process-group.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import { goStyleHolder } from '../../support/lock-helpers.js'
import { useLockCli } from './lock-harness.js'

const cli = useLockCli('cli-lock-signals')

/** A command that reports the signals it gets, and a background process it leaves behind. */
const REPORTS_SIGNALS = `trap 'echo "got INT"; exit 0' INT; trap 'echo "got TERM"; exit 0' TERM; sleep 600 & echo "ready $$ $!"; wait`

describe('consul-lock on SIGINT and SIGTERM', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    'passes %s on to the command, stops its group, releases the lock and exits 0',
    async (signal) => {
      const prefix = cli.prefix(signal)
      const run = cli.start([...cli.fastFlags, prefix, REPORTS_SIGNALS])
      const [, shell, background] = (await run.waitForOutput(/ready (\d+) (\d+)/)).map(Number)
      cli.trackPids(shell as number, background as number)
      const { value: held } = await cli.consul.kv.get(`${prefix}/.lock`)

      run.child.kill(signal)

      await run.waitForOutput(new RegExp(`got ${signal.slice(3)}`))
      expect(await run.exited).toBe(0)
      expect(processHasExited(shell as number)).toBe(true)
      expect(processHasExited(background as number)).toBe(true)
      expect((await cli.consul.kv.get(`${prefix}/.lock`)).value).toBeNull()
      expect((await cli.consul.session.info(held?.session as string)).value).toBeNull()
    },
  )

  it('gives up waiting for the lock on SIGINT: exit 1, the command never runs, no session left', async () => {
    const prefix = cli.prefix('waiting')
    const holder = await goStyleHolder(cli.target, `${prefix}/.lock`, { Name: `${prefix} holder` })
    try {
      expect(await holder.acquire()).toBe(true)
      const run = cli.start(['-verbose', ...cli.fastFlags, prefix, 'echo ran'])
      await run.waitForOutput(/idle → pending/)
      await blockingQueriesHeld(cli.target)

      run.child.kill('SIGINT')
      expect(await run.exited).toBe(1)
      expect(run.stderr()).toBe('consul-lock: Shutdown triggered or timeout during lock acquisition\n')
      expect(run.stdout()).not.toMatch(/^ran$/m)
    } finally {
      await holder.destroy()
    }
  })

  it('SIGKILLs the group at once on a second signal during the grace period', async () => {
    const prefix = cli.prefix('second-signal')
    const run = cli.start([
      '-verbose',
      '-kill-grace=60s',
      ...cli.fastFlags,
      prefix,
      `trap '' TERM INT; echo "pid $$"; sleep 600`,
    ])
    const [, pid] = (await run.waitForOutput(/pid (\d+)/)).map(Number)
    cli.trackPids(pid as number)

    run.child.kill('SIGTERM')
    await run.waitForOutput(/Terminating child process group/)
    run.child.kill('SIGINT')

    expect(await run.exited).toBe(0)
    expect(run.stdout()).toMatch(/consul-lock: Killing child process group \d+/)
    expect(run.stdout()).not.toContain('Child did not exit after grace period')
    expect(processHasExited(pid as number)).toBe(true)
  })
})
