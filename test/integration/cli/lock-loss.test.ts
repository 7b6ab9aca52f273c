import { describe, expect, it } from 'vitest'
import { processHasExited } from '../../../src/cli/lock/process-group.js'
import { againstRealConsul, ttlTestTimeoutMs } from '../../support/consul-target.js'
import { destroySessionBehindItsBack } from '../../support/kv-probes.js'
import { LOCK_FLAGS_DECIMAL } from '../../support/lock-helpers.js'
import { raw } from '../../support/raw-http.js'
import { holdingSession, useLockCli, verboseTime } from './lock-harness.js'

const cli = useLockCli('cli-lock-loss')

describe('consul-lock when the lock is lost', () => {
  it('stops the whole process group of the command: the command and what it started', async () => {
    const prefix = cli.prefix('group')
    const run = cli.start([...cli.fastFlags, prefix, 'sleep 600 & echo "pids $$ $!"; wait'])
    const [, shell, grandchild] = (await run.waitForOutput(/pids (\d+) (\d+)/)).map(Number)
    cli.trackPids(shell as number, grandchild as number)

    await destroySessionBehindItsBack(cli.target, await holdingSession(cli.consul, prefix))

    expect(await run.exited).toBe(0)
    expect(run.stderr()).toContain(
      `consul-lock: Lock on '${prefix}/.lock' is no longer held: session-invalidated: stopping the command\n`,
    )
    expect(processHasExited(shell as number)).toBe(true)
    expect(processHasExited(grandchild as number)).toBe(true)
  })

  it('SIGKILLs a command that ignores SIGTERM after -kill-grace, not before', async () => {
    const prefix = cli.prefix('ignores-term')
    const run = cli.start([
      '-verbose',
      '-kill-grace=500ms',
      ...cli.fastFlags,
      prefix,
      `trap '' TERM; echo "pid $$"; sleep 600`,
    ])
    const [, pid] = (await run.waitForOutput(/pid (\d+)/)).map(Number)
    cli.trackPids(pid as number)

    await destroySessionBehindItsBack(cli.target, await holdingSession(cli.consul, prefix))

    const [terminating = ''] = await run.waitForOutput(/\S+ consul-lock: Terminating child process group \d+/)
    const [killing = ''] = await run.waitForOutput(/\S+ consul-lock: Killing child process group \d+/)
    expect(await run.exited).toBe(0)
    // The command was still there when the grace period ended, and only then was it killed.
    expect(run.stdout()).toContain('consul-lock: Child did not exit after grace period of 500ms\n')
    // Less 1 ms: the timestamps are cut to whole milliseconds.
    expect(verboseTime(killing) - verboseTime(terminating)).toBeGreaterThanOrEqual(499)
    expect(processHasExited(pid as number)).toBe(true)
  })

  it.skipIf(againstRealConsul)(
    'stops the command at the local deadline when the session cannot be renewed, before Consul would expire it (dev server: fault injection)',
    async () => {
      const ttlMs = 2000
      const prefix = cli.prefix('renew-fails')
      const run = cli.start([
        '-verbose',
        `-session-ttl=${ttlMs}ms`,
        '-lock-delay=0s',
        prefix,
        `trap 'echo "got TERM"; exit 0' TERM; echo ready; sleep 600 & wait`,
      ])
      await run.waitForOutput(/ready/)
      const server = cli.target.server
      if (!server) throw new Error('needs the dev server')

      const renewsFailFrom = Date.now()
      server.faults.failNext(1000, { method: 'PUT', pathPrefix: '/v1/session/renew/' })

      const [stopping = ''] = await run.waitForOutput(/\S+ consul-lock: Terminating child process group/)
      await run.waitForOutput(/got TERM/)
      expect(await run.exited).toBe(0)
      expect(run.stderr()).toContain(`is no longer held: renew-failed: stopping the command`)
      // The last good renew was sent at most TTL/2 before the faults: the local deadline comes
      // at most a TTL after them, while Consul keeps a session 2×TTL after its last renew. The
      // command is stopped at the local deadline, with half a TTL to spare for a loaded machine.
      expect(verboseTime(stopping) - renewsFailFrom).toBeLessThan(1.5 * ttlMs)
    },
  )
})

describe('consul-lock -monitor-retry (dev server: fault injection)', () => {
  /**
   * Makes the next `failures` reads of the held key fail with a 500, then wakes the command's
   * blocking read of it (a write that keeps the lock), so that its following reads meet them.
   */
  async function failMonitorReads(prefix: string, failures: number): Promise<void> {
    const key = `${prefix}/.lock`
    cli.target.server?.faults.failNext(failures, { method: 'GET', pathPrefix: `/v1/kv/${key}` })
    const touch = await raw(cli.target, 'PUT', `/v1/kv/${key}?flags=${LOCK_FLAGS_DECIMAL}`, { body: 'x' })
    expect(touch.text.trim()).toBe('true')
  }

  it.skipIf(againstRealConsul).each([
    {
      flags: [],
      retries: 3,
      title: 'by default rides out 3 failed reads of the lock, stops the command at the 4th',
    },
    {
      flags: ['-monitor-retry=1'],
      retries: 1,
      title: '-monitor-retry=1 rides out 1, stops the command at the 2nd',
    },
    { flags: ['--monitor-retry', '0'], retries: 0, title: '--monitor-retry 0 stops the command at the 1st' },
  ])(
    '$title',
    async ({ flags, retries }) => {
      const prefix = cli.prefix('monitor')
      const run = cli.start(['-verbose', ...flags, ...cli.fastFlags, prefix, 'echo "pid $$"; sleep 600'])
      const [, pid] = (await run.waitForOutput(/pid (\d+)/)).map(Number)
      cli.trackPids(pid as number)

      if (retries > 0) {
        await failMonitorReads(prefix, retries)
        await run.waitForOutput(/monitoring\.retrying\.\S+ → \S*monitoring\.watching \[held\]$/m)
        expect(processHasExited(pid as number)).toBe(false)
        expect(run.child.exitCode).toBeNull()
      }

      await failMonitorReads(prefix, retries + 1)
      expect(await run.exited).toBe(0)
      expect(run.stderr()).toContain('is no longer held: monitor-failed: stopping the command')
      expect(processHasExited(pid as number)).toBe(true)
    },
    ttlTestTimeoutMs,
  )
})
