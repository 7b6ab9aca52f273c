import { describe, expect, it } from 'vitest'
import { againstRealConsul } from '../../support/consul-target.js'
import { useLockCli } from './lock-harness.js'

// The dev server's management token (ACLs on, default deny); a real agent's comes from CONSUL_HTTP_TOKEN.
const cli = useLockCli('cli-lock-verbose', { aclToken: 'mgmt-9f1c2e7a-never-print-me' })
const noAcls = againstRealConsul && !process.env.CONSUL_HTTP_TOKEN

/** Runs `consul-lock -token <token> …` with no token in the environment. */
function startWithToken(token: string, args: readonly string[]) {
  return cli.start(['-token', token, ...args], { env: { CONSUL_HTTP_TOKEN: '' } })
}

describe('consul-lock -verbose', () => {
  it.skipIf(noAcls)(
    'prints each step and each state change (leaf states, phase) with a timestamp, and never the token',
    async () => {
      const token = cli.target.token as string
      const prefix = cli.prefix('transitions')
      const run = startWithToken(token, ['-verbose', ...cli.fastFlags, prefix, 'echo ran'])
      expect(await run.exited).toBe(0)

      const lines = run.stdout().trimEnd().split('\n')
      const verbose = lines.filter((line) => line !== 'ran')
      for (const line of verbose) {
        expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z consul-lock: \S/)
        expect(new Date(line.slice(0, 24)).toISOString()).toBe(line.slice(0, 24))
      }
      // A renewal of the session (every TTL/2) may come at any time on a slow machine.
      const renewal = /^consul-lock: session\.renewing\.\S+ → session\.renewing\.\S+ \[held\]$/
      const steps = verbose.map((line) => line.slice(25)).filter((line) => !renewal.test(line))
      const held = 'session.lock.held.monitoring.watching, session.lock.held.lease.sound'
      expect(steps).toEqual([
        `consul-lock: Setting up lock at path: ${prefix}/.lock`,
        'consul-lock: Attempting lock acquisition',
        'consul-lock: idle → creatingSession.requested [pending]',
        'consul-lock: creatingSession.requested → session.renewing.keepingAlive.scheduled, session.lock.pending.waiting [pending]',
        'consul-lock: session.lock.pending.waiting → session.lock.pending.acquiring.inFlight [pending]',
        `consul-lock: session.lock.pending.acquiring.inFlight → ${held} [held]`,
        expect.stringMatching(/^consul-lock: Lock acquired by session [0-9a-f-]{36}$/),
        'consul-lock: Starting handler',
        'consul-lock: Child terminated, releasing lock',
        expect.stringMatching(
          new RegExp(
            `^consul-lock: session\\.renewing\\.keepingAlive\\.\\w+, ${held} → releasing\\.releasingKey \\[releasing\\]$`,
          ),
        ),
        'consul-lock: releasing.releasingKey → releasing.destroyingSession [releasing]',
        'consul-lock: releasing.destroyingSession → idle [idle]',
        'consul-lock: idle → destroying.reading [destroying]',
        'consul-lock: destroying.reading → destroying.deleting [destroying]',
        'consul-lock: destroying.deleting → idle [idle]',
        'consul-lock: Cleanup succeeded',
      ])
      expect(run.stderr()).toBe('')
      expect(run.stdout()).not.toContain(token)
    },
  )

  it.skipIf(noAcls)('reports a refused token in one line on stderr, without the token', async () => {
    const wrongToken = 'wrong-3c1d9b0e-secret'
    const run = startWithToken(wrongToken, ['-verbose', ...cli.fastFlags, cli.prefix('refused'), 'echo ran'])
    expect(await run.exited).toBe(1)
    const errors = run.stderr().trimEnd().split('\n')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^consul-lock: Lock acquisition failed: .*403/)
    expect(run.stdout() + run.stderr()).not.toContain(wrongToken)
    expect(run.stdout()).not.toMatch(/^ran$/m)
  })
})
