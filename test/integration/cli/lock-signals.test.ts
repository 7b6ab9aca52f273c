import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { processHasExited } from '../../../src/cli/lock/process-group.js'
import { againstRealConsul, blockingQueriesHeld } from '../../support/consul-target.js'
import { goStyleHolder } from '../../support/lock-helpers.js'
import { holdingSession, useLockCli } from './lock-harness.js'

const cli = useLockCli('cli-lock-signals')

/** A command that reports the signals it gets, and a background process it leaves behind. */
const REPORTS_SIGNALS = `trap 'echo "got INT"; exit 0' INT; trap 'echo "got TERM"; exit 0' TERM; trap 'echo "got HUP"; exit 0' HUP; sleep 600 & echo "ready $$ $!"; wait`

describe('consul-lock on SIGINT, SIGTERM and SIGHUP', () => {
  // SIGHUP too: the command runs in a session of its own, where a terminal's hang-up cannot reach it.
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)(
    'passes %s on to the command, stops its group, releases the lock and exits 0',
    async (signal) => {
      const prefix = cli.prefix(signal)
      // A signal that lands while the shell is still forking the background sleep is lost in
      // the fork: then only the SIGKILL after the grace stops it, so keep the grace short.
      const run = cli.start(['-kill-grace=1s', ...cli.fastFlags, prefix, REPORTS_SIGNALS])
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
      await run.waitForOutput(/ \[pending\]$/m)
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

  it('SIGKILLs at once, on a second signal, what the command left in its group during the grace period', async () => {
    const prefix = cli.prefix('leftover')
    const run = cli.start([
      '-verbose',
      '-kill-grace=60s',
      ...cli.fastFlags,
      prefix,
      // The command waits until the leftover ignores SIGTERM: otherwise the stop that follows
      // its exit could kill it before its trap is set, and nothing would be left to stop.
      `armed=$(mktemp -u); sh -c "trap '' TERM; : > $armed; exec sleep 600" & while [ ! -e "$armed" ]; do :; done; rm -f "$armed"; echo "left $!"`,
    ])
    const [, left] = (await run.waitForOutput(/left (\d+)/)).map(Number)
    cli.trackPids(left as number)
    await run.waitForOutput(/Terminating what the child left in its process group/)

    run.child.kill('SIGTERM')
    await run.waitForOutput(/consul-lock: Received SIGTERM/)
    run.child.kill('SIGTERM')

    expect(await run.exited).toBe(0)
    expect(run.stdout()).toMatch(/consul-lock: Killing child process group \d+/)
    expect(run.stdout()).not.toContain('Child did not exit after grace period')
    expect(processHasExited(left as number)).toBe(true)
    expect((await cli.consul.kv.get(`${prefix}/.lock`)).value).toBeNull()
  })

  it.skipIf(againstRealConsul)(
    'exits 1 at once on a signal while the release hangs: the session expires by itself (dev server: fault injection)',
    async () => {
      const server = cli.target.server
      if (!server) throw new Error('needs the dev server')
      const prefix = cli.prefix('hung-release')
      const run = cli.start(['-verbose', '-pass-stdin', ...cli.fastFlags, prefix, 'echo ready; read x'], {
        stdin: 'pipe',
      })
      await run.waitForOutput(/ready/)
      const session = await holdingSession(cli.consul, prefix)
      try {
        // Every later write of the key hangs: the release first.
        server.faults.latency(60_000, { method: 'PUT', pathPrefix: `/v1/kv/${prefix}/.lock` })
        run.child.stdin?.end('\n')
        await run.waitForOutput(/→ releasing\.releasingKey \[releasing\]$/m)

        const signalled = performance.now()
        run.child.kill('SIGTERM')
        expect(await run.exited).toBe(1)
        expect(performance.now() - signalled).toBeLessThan(5000)
        expect(run.stderr()).toBe(
          'consul-lock: SIGTERM during release: exiting without waiting; the session expires after its TTL\n',
        )
      } finally {
        server.faults.clear()
        await cli.consul.session.destroy(session)
      }
    },
  )
})

describe('consul-lock on Ctrl-Z (SIGTSTP) and fg (SIGCONT)', () => {
  it("stops the command's group and then itself, and continues both", async () => {
    const prefix = cli.prefix('job-control')
    // A TTL that a short stop cannot outlast: a stopped consul-lock does not renew its session.
    const run = cli.start([
      '-verbose',
      '-session-ttl=10s',
      '-lock-delay=0s',
      prefix,
      `trap 'echo continued' CONT; sleep 600 & echo "ready $$ $!"; wait; wait`,
    ])
    const [, shell, sleeper] = (await run.waitForOutput(/ready (\d+) (\d+)/)).map(Number)
    cli.trackPids(shell as number, sleeper as number)
    const cliPid = run.child.pid as number

    run.child.kill('SIGTSTP')
    await untilProcessState(cliPid, 'T')
    expect(processState(shell as number)).toBe('T')
    expect(processState(sleeper as number)).toBe('T')

    run.child.kill('SIGCONT')
    await run.waitForOutput(/^continued$/m)
    expect(processState(cliPid)).not.toBe('T')
    expect(processState(sleeper as number)).not.toBe('T')

    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    expect((await cli.consul.kv.get(`${prefix}/.lock`)).value).toBeNull()
  })
})

/** A process's state letter from /proc (`T`: stopped). */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0]
  } catch {
    return undefined
  }
}

/** No event tells a parent that a process stopped (Node does not wait for stops): look in /proc. */
async function untilProcessState(pid: number, state: string): Promise<void> {
  const deadline = performance.now() + 10_000
  while (processState(pid) !== state) {
    if (performance.now() > deadline) throw new Error(`process ${pid} never reached state ${state}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
