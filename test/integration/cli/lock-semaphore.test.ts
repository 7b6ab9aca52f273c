import { describe, expect, it } from 'vitest'
import { SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import type { RunningProcess } from '../../support/cli-process.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import { useLockCli } from './lock-harness.js'

const cli = useLockCli('cli-lock-semaphore')

/** Starts a holder of `prefix` with limit 3 that prints `started` and runs until stopped. */
function startHolder(prefix: string): RunningProcess {
  return cli.start(['-n', '3', '-verbose', ...cli.fastFlags, prefix, 'echo started; sleep 600'])
}

async function sessionOf(holder: RunningProcess): Promise<string> {
  const [, session] = await holder.waitForOutput(/Lock acquired by session (\S+)/)
  return session as string
}

describe('consul-lock -n 3 (a semaphore)', () => {
  it('runs three commands at once and makes a fourth wait for a free slot', async () => {
    const prefix = cli.prefix('three')
    const holders = [startHolder(prefix), startHolder(prefix), startHolder(prefix)]
    await Promise.all(holders.map((holder) => holder.waitForOutput(/started/)))
    const sessions = await Promise.all(holders.map(sessionOf))

    const fourth = startHolder(prefix)
    await fourth.waitForOutput(/ \[pending\]$/m)
    // The three holders' monitors and the fourth's wait.
    await blockingQueriesHeld(cli.target, 4)
    expect(fourth.stdout()).not.toContain('started')

    // Go's coordination record: the limit and exactly the three running holders.
    const { value: record } = await cli.consul.kv.get(`${prefix}/.lock`)
    expect(record?.flags).toBe(SEMAPHORE_FLAG_VALUE)
    const { Limit, Holders } = JSON.parse(record?.value?.toString() ?? 'null')
    expect(Limit).toBe(3)
    expect(Object.keys(Holders).sort()).toEqual([...sessions].sort())
    // A contender key per process, the waiting one included.
    const { value: keys } = await cli.consul.kv.keys(`${prefix}/`)
    expect(keys.filter((key) => !key.endsWith('/.lock'))).toHaveLength(4)

    holders[0]?.child.kill('SIGTERM')
    expect(await holders[0]?.exited).toBe(0)
    await fourth.waitForOutput(/started/)
  })
})
