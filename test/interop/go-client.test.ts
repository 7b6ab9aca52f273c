import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConsulTarget, startTarget, uniquePrefix } from '../support/consul-target.js'

const run = promisify(execFile)
const sourceDir = fileURLToPath(new URL('./go-client', import.meta.url))
// Go is part of this project's machines; on one without it these tests cannot run at all.
const goMissing = spawnSync('go', ['version']).error !== undefined

interface Step {
  step: string
  ok: boolean
  info?: Record<string, unknown> | string[]
  error?: string
}

/**
 * HashiCorp's own Go client (`github.com/hashicorp/consul/api`) against the target: whatever it
 * can do against a real agent it must be able to do against the dev server.
 */
describe.skipIf(goMissing)('the official Go client against the target', () => {
  let target: ConsulTarget
  let buildDir: string
  let binary: string

  beforeAll(async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'goclient-'))
    binary = join(buildDir, 'goclient')
    // First build on a fresh machine fetches the module from the Go proxy and compiles it.
    await run('go', ['build', '-o', binary, '.'], { cwd: sourceDir })
    target = await startTarget()
  }, 240_000)

  afterAll(async () => {
    await target?.close()
    await rm(buildDir, { recursive: true, force: true })
  })

  async function scenario(name: string): Promise<Map<string, Step>> {
    const env = { ...process.env, CONSUL_HTTP_ADDR: target.address, CONSUL_HTTP_TOKEN: target.token ?? '' }
    const { stdout } = await run(binary, [name, uniquePrefix(`go-${name}`)], { env })
    const steps = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Step)
    const failed = steps.filter((step) => !step.ok)
    expect(failed, JSON.stringify(failed)).toEqual([])
    return new Map(steps.map((step) => [step.step, step]))
  }

  it('round-trips KV entries with exact uint64 flags, CAS, keys and tree deletes', async () => {
    const steps = await scenario('kv')
    expect(steps.get('get')?.info).toMatchObject({ flags: '3304740253564472344', value: 'v1' })
    expect(steps.get('cas')?.info).toEqual({ swapped: true })
    expect(steps.get('cas-stale')?.info).toEqual({ swapped: false })
    expect(steps.get('keys')?.info).toEqual([
      expect.stringMatching(/\/dir\/$/),
      expect.stringMatching(/\/flags$/),
    ])
    expect(steps.get('get-deleted')?.info).toEqual({ missing: true })
  })

  it('creates, reads, renews and destroys sessions', async () => {
    const steps = await scenario('session')
    expect(steps.get('info')?.info).toEqual({
      name: 'interop',
      ttl: '10s',
      behavior: 'delete',
      lockDelay: '2s',
      nodeChecks: ['serfHealth'],
    })
    expect(steps.get('renew')?.info).toEqual({ found: true })
    expect(steps.get('renew-destroyed')?.info).toEqual({ found: false })
  })

  it('runs transactions and reads their 409 errors', async () => {
    const steps = await scenario('txn')
    expect(steps.get('txn')?.info).toEqual({ ok: true, flags: '16210313421097356768', value: 'x' })
    expect(steps.get('txn-conflict')?.info).toEqual({ ok: false, what: expect.stringMatching(/" exists$/) })
  })

  it('wakes a blocking query when the key changes', async () => {
    const steps = await scenario('blocking')
    expect(steps.get('blocking-get')?.info).toMatchObject({ value: 'after', advanced: true })
  })

  it("takes a lock with Go's api.Lock, and its monitor sees the session invalidated", async () => {
    const steps = await scenario('lock')
    expect(steps.get('held')?.info).toMatchObject({
      flags: '3304740253564472344',
      session: true,
      lockIndex: 1,
    })
    expect(steps.has('lost')).toBe(true)
  })

  it("acquires and releases a slot with Go's api.Semaphore", async () => {
    const steps = await scenario('semaphore')
    // The contender key and the .lock coordination record.
    expect(steps.get('keys')?.info).toEqual({ count: 2 })
  })
})
