import { describe, expect, it } from 'vitest'
import { goStyleHolder } from '../../support/lock-helpers.js'
import { useLockCli, verboseTime } from './lock-harness.js'

const cli = useLockCli('cli-lock-timeout')

describe('consul-lock -timeout (one-shot)', () => {
  it.each(['-timeout', '-try'])(
    '%s=500ms gives up on a held lock after about 500 ms: exit 1, the command never runs',
    async (flag) => {
      const prefix = cli.prefix('held')
      const holder = await goStyleHolder(cli.target, `${prefix}/.lock`, { Name: `${prefix} holder` })
      try {
        expect(await holder.acquire()).toBe(true)
        const run = cli.start(['-verbose', `${flag}=500ms`, ...cli.fastFlags, prefix, 'echo ran'])
        const [attempting = ''] = await run.waitForOutput(/^\S+ consul-lock: Attempting lock acquisition$/m)

        expect(await run.exited).toBe(1)
        // From the start of the attempt (not of Node), less 1 ms: the timestamp is cut to whole ms.
        const elapsed = Date.now() - verboseTime(attempting)
        expect(elapsed).toBeGreaterThanOrEqual(499)
        // Consul's jitter of up to wait/16 on the blocking read, and a loaded machine's delays.
        expect(elapsed).toBeLessThan(5000)
        expect(run.stderr()).toBe('consul-lock: Shutdown triggered or timeout during lock acquisition\n')
        expect(run.stdout()).not.toMatch(/^ran$/m)
      } finally {
        await holder.destroy()
      }
    },
  )

  it('acquires a free lock at once and runs the command', async () => {
    const run = cli.start(['-timeout=5s', ...cli.fastFlags, cli.prefix('free'), 'echo ran'])
    expect(await run.exited).toBe(0)
    expect(run.stdout()).toBe('ran\n')
  })

  it('-n 2 -timeout gives up when both slots are taken', async () => {
    const prefix = cli.prefix('semaphore-full')
    const holders = [0, 1].map(() =>
      cli.start(['-n', '2', ...cli.fastFlags, prefix, 'echo started; sleep 600']),
    )
    await Promise.all(holders.map((holder) => holder.waitForOutput(/started/)))

    const run = cli.start(['-n', '2', '-timeout=300ms', ...cli.fastFlags, prefix, 'echo ran'])
    expect(await run.exited).toBe(1)
    expect(run.stderr()).toBe('consul-lock: Shutdown triggered or timeout during lock acquisition\n')
  })
})
