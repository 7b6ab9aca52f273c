import { execFile, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Consul } from '../../src/client.js'
import type { Lock } from '../../src/lock.js'
import type { Semaphore } from '../../src/semaphore.js'
import { type RunningProcess, startProcess } from '../support/cli-process.js'
import { clientFor } from '../support/client-target.js'
import {
  blockingQueriesHeld,
  type ConsulTarget,
  startTarget,
  uniquePrefix,
} from '../support/consul-target.js'
import { readSemaphoreRecord, recordJson } from '../support/semaphore-helpers.js'

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
  let consul: Consul
  let buildDir: string
  let binary: string

  beforeAll(async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'goclient-'))
    binary = join(buildDir, 'goclient')
    // First build on a fresh machine fetches the module from the Go proxy and compiles it.
    await run('go', ['build', '-o', binary, '.'], { cwd: sourceDir })
    target = await startTarget()
    consul = clientFor(target)
  }, 240_000)

  afterAll(async () => {
    await consul?.close()
    await target?.close()
    await rm(buildDir, { recursive: true, force: true })
  })

  const goEnv = () => ({
    ...process.env,
    CONSUL_HTTP_ADDR: target.address,
    CONSUL_HTTP_TOKEN: target.token ?? '',
  })

  async function scenario(name: string): Promise<Map<string, Step>> {
    const { stdout } = await run(binary, [name, uniquePrefix(`go-${name}`)], { env: goEnv() })
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

  describe("contending with Go's api.Lock for one key", () => {
    let go: RunningProcess | undefined
    const locks: Lock[] = []
    const startGo = (name: 'lock-hold' | 'lock-wait', key: string) => {
      go = startProcess(binary, [name, key], { env: goEnv(), stdin: 'pipe' })
      return go
    }
    const ourLock = (key: string) => {
      const lock = consul.lock({ key, value: 'ts', lockDelay: 0 })
      locks.push(lock)
      return lock
    }
    afterEach(async () => {
      go?.child.kill()
      for (const lock of locks.splice(0)) await lock[Symbol.asyncDispose]()
    })

    it('waits while Go holds the lock and takes it as soon as Go unlocks', async () => {
      const key = `${uniquePrefix('go-holds')}/lock`
      const holder = startGo('lock-hold', key)
      await holder.waitForOutput(/"step":"held","ok":true/)
      const lock = ourLock(key)
      expect(await lock.tryAcquire({ wait: 300 })).toBeNull()
      const acquired = lock.acquire()
      holder.child.stdin?.end('release\n')
      await holder.waitForOutput(/"step":"released","ok":true/)
      const unlockedAt = performance.now()
      const lease = await acquired
      expect(performance.now() - unlockedAt).toBeLessThan(1_000)
      const { value: pair } = await consul.kv.get(key)
      expect(pair?.session).toBe(lease.session)
      expect(pair?.flags).toBe(0x2ddccbc058a50c18n)
      await lock.release()
      await lock.destroy()
    })

    it('makes Go wait while we hold the lock, and Go takes it once we release', async () => {
      const key = `${uniquePrefix('ts-holds')}/lock`
      const lock = ourLock(key)
      await lock.acquire()
      const waiter = startGo('lock-wait', key)
      await waiter.waitForOutput(/"step":"waiting"/)
      // Our monitor and Go's wait both block on the key: Go saw it held and did not take it.
      await blockingQueriesHeld(target, 2)
      expect(waiter.stdout()).not.toMatch(/"step":"held"/)
      const { value: pair } = await consul.kv.get(key)
      expect(pair?.value?.toString()).toBe('ts')
      await lock.release()
      await waiter.waitForOutput(/"step":"held","ok":true/)
      await waiter.waitForOutput(/"step":"released","ok":true/)
      expect(await waiter.exited).toBe(0)
      await lock.destroy()
    })
  })

  describe("contending with Go's api.Semaphore for the only slot of a limit-1 semaphore", () => {
    let go: RunningProcess | undefined
    const semaphores: Semaphore[] = []
    const startGo = (name: 'semaphore-hold' | 'semaphore-wait', prefix: string) => {
      go = startProcess(binary, [name, prefix], { env: goEnv(), stdin: 'pipe' })
      return go
    }
    const ourSemaphore = (prefix: string) => {
      const semaphore = consul.semaphore({ prefix, limit: 1, value: 'ts' })
      semaphores.push(semaphore)
      return semaphore
    }
    afterEach(async () => {
      go?.child.kill()
      for (const semaphore of semaphores.splice(0)) await semaphore[Symbol.asyncDispose]()
    })

    it('waits while Go holds the slot and takes it as soon as Go releases', async () => {
      const prefix = uniquePrefix('go-holds-slot')
      const holder = startGo('semaphore-hold', prefix)
      await holder.waitForOutput(/"step":"held","ok":true/)
      const semaphore = ourSemaphore(prefix)
      expect(await semaphore.tryAcquire({ wait: 300 })).toBeNull()
      const acquired = semaphore.acquire()
      holder.child.stdin?.end('release\n')
      await holder.waitForOutput(/"step":"released","ok":true/)
      const releasedAt = performance.now()
      const lease = await acquired
      expect(performance.now() - releasedAt).toBeLessThan(1_000)
      const record = await readSemaphoreRecord(consul, prefix)
      expect(record?.text).toBe(recordJson(1, [lease.session]))
      expect(record?.flags).toBe(0xe0f69a2baa414de0n)
      await semaphore.release()
      await semaphore.destroy()
    })

    it('makes Go wait while we hold the slot, and Go takes it once we release', async () => {
      const prefix = uniquePrefix('ts-holds-slot')
      const semaphore = ourSemaphore(prefix)
      const lease = await semaphore.acquire()
      const waiter = startGo('semaphore-wait', prefix)
      await waiter.waitForOutput(/"step":"waiting"/)
      // Our monitor and Go's wait both block on the prefix: Go saw the slot taken.
      await blockingQueriesHeld(target, 2)
      expect(waiter.stdout()).not.toMatch(/"step":"held"/)
      expect((await readSemaphoreRecord(consul, prefix))?.holders).toEqual([lease.session])
      await semaphore.release()
      await waiter.waitForOutput(/"step":"held","ok":true/)
      await waiter.waitForOutput(/"step":"released","ok":true/)
      expect(await waiter.exited).toBe(0)
      await semaphore.destroy()
    })
  })
})
