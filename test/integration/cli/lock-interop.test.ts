import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import { blockingQueriesHeld } from '../../support/consul-target.js'
import { goStyleHolder } from '../../support/lock-helpers.js'
import { useLockCli } from './lock-harness.js'

const cli = useLockCli('cli-lock-interop')

describe('consul-lock and a Go client on the same <prefix>/.lock', () => {
  it('waits while a Go-style holder has the lock, and runs the command once it is released', async () => {
    const prefix = cli.prefix('go-holder')
    const holder = await goStyleHolder(cli.target, `${prefix}/.lock`, {
      Name: `${prefix} Go holder`,
      LockDelay: '0s',
    })
    try {
      expect(await holder.acquire()).toBe(true)
      const run = cli.start(['-verbose', '-pass-stdin', ...cli.fastFlags, prefix, 'echo ran; read x'], {
        stdin: 'pipe',
      })
      await run.waitForOutput(/ \[pending\]$/m)
      await blockingQueriesHeld(cli.target)
      expect(run.stdout()).not.toContain('ran')

      expect(await holder.release()).toBe(true)
      await run.waitForOutput(/^ran$/m)
      const { value: pair } = await cli.consul.kv.get(`${prefix}/.lock`)
      expect(pair?.flags).toBe(LOCK_FLAG_VALUE)
      expect(pair?.session).not.toBe(holder.session)

      run.child.stdin?.end('\n')
      expect(await run.exited).toBe(0)
      // The Go holder still has a session, but no hold: the key was free, so it was removed.
      expect((await cli.consul.kv.get(`${prefix}/.lock`)).value).toBeNull()
    } finally {
      await holder.destroy()
    }
  })

  it('releases the lock on exit so that a Go-style client can take it', async () => {
    const prefix = cli.prefix('go-waiter')
    const run = cli.start(['-pass-stdin', ...cli.fastFlags, prefix, 'echo ran; read x'], { stdin: 'pipe' })
    await run.waitForOutput(/ran/)
    const holder = await goStyleHolder(cli.target, `${prefix}/.lock`, {
      Name: `${prefix} Go holder`,
      LockDelay: '0s',
    })
    try {
      expect(await holder.acquire()).toBe(false)
      run.child.stdin?.end('\n')
      expect(await run.exited).toBe(0)
      expect(await holder.acquire()).toBe(true)
    } finally {
      await holder.destroy()
    }
  })
})
