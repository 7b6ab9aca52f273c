import { randomUUID } from 'node:crypto'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import { nextWaitIndex } from '../../../src/index.js'
import { assertBuildIsFresh } from '../../support/built-package.js'
import { startCli } from '../../support/cli-process.js'
import { useClientSuite } from '../../support/client-target.js'
import { useLocks } from '../../support/lock-helpers.js'
import { useSemaphores } from '../../support/semaphore-helpers.js'

const suite = useClientSuite('cli-status')
const locks = useLocks(suite)
const semaphores = useSemaphores(suite)

/** Runs `consul-lock status` against the suite's target; resolves once it has exited. */
async function status(...args: string[]) {
  const env = suite.target.token ? { ...process.env, CONSUL_HTTP_TOKEN: suite.target.token } : process.env
  const cli = startCli(['status', '-http-addr', suite.target.address, ...args], env)
  const code = await cli.exited
  return { code, stdout: cli.stdout(), stderr: cli.stderr() }
}

let prefixes = 0
const freshPrefix = (label: string) => `${suite.prefix}/${label}-${++prefixes}`

beforeAll(assertBuildIsFresh)

afterEach(async () => {
  await suite.consul.kv.delete(`${suite.prefix}/`, { recurse: true })
})

describe('consul-lock status', () => {
  it('shows the holder of a lock: session, node, value, indexes and the session it was created with', async () => {
    const prefix = freshPrefix('lock')
    const lock = locks.lock({ key: `${prefix}/.lock`, value: 'node-a' })
    const lease = await lock.acquire()
    const { value: session } = await suite.consul.session.info(lease.session)

    const result = await status(prefix)

    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Lock held: ${prefix}/.lock\n`)
    expect(result.stdout).toMatch(new RegExp(`session +${lease.session}\n`))
    expect(result.stdout).toMatch(new RegExp(`node +${session?.node}\n`))
    expect(result.stdout).toMatch(/value +"node-a"\n/)
    expect(result.stdout).toMatch(new RegExp(`LockIndex +${lease.lockIndex} `))
    expect(result.stdout).toMatch(new RegExp(`ModifyIndex +${lease.modifyIndex} `))
    expect(result.stdout).toMatch(new RegExp(`session name +${locks.sessionName}\n`))
    expect(result.stdout).toMatch(/session TTL +\S+ \(lock-delay 0s, behavior release\)\n/)
    expect(result.stdout).toMatch(new RegExp(`since +index ${session?.createIndex} \\(.*no timestamps\\)`))
    expect(result.stderr).toBe('')
  })

  it('lists every holder of a semaphore with its node and value, the limit, and who waits', async () => {
    const prefix = freshPrefix('semaphore')
    const first = await semaphores.semaphore({ prefix, limit: 2, value: 'w1' }).acquire()
    const second = await semaphores.semaphore({ prefix, limit: 2, value: 'w2' }).acquire()
    const third = semaphores.semaphore({ prefix, limit: 2, value: 'w3' })
    const waiting = waitForContenderKeys(prefix, 3)
    void third.acquire().catch(() => {})
    await waiting
    const { value: node } = await suite.consul.session.info(first.session)

    const result = await status(prefix)

    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`Semaphore held: ${prefix} (limit 2, 2 holding, 1 waiting)\n`)
    expect(result.stdout).toContain(`  holder  ${first.session}  node ${node?.node}, value "w1"\n`)
    expect(result.stdout).toContain(`  holder  ${second.session}  node ${node?.node}, value "w2"\n`)
    expect(result.stdout).toMatch(/ {2}waiting \S+ {2}node .*, value "w3"\n/)
    expect(result.stdout).toContain(`session "${semaphores.sessionName}", TTL`)
  })

  it('marks a holder listed in the record whose session holds no key as dead', async () => {
    const prefix = freshPrefix('dead-holder')
    const gone = randomUUID()
    const record = JSON.stringify({ Limit: 2, Holders: { [gone]: true } })
    await suite.consul.kv.put(`${prefix}/.lock`, record, { flags: SEMAPHORE_FLAG_VALUE })

    const result = await status(prefix)

    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`No holder: ${prefix} (semaphore, limit 2, 0 holding, 0 waiting)\n`)
    expect(result.stdout).toContain(
      `  dead    ${gone}  listed in ${prefix}/.lock, but its session holds no key\n`,
    )
  })

  it('says nobody holds a prefix without a .lock key (GNU-style flags, leading slash trimmed)', async () => {
    const prefix = freshPrefix('free')
    const cli = startCli(['status', '--http-addr', suite.target.address, `/${prefix}`], {
      ...process.env,
      ...(suite.target.token ? { CONSUL_HTTP_TOKEN: suite.target.token } : {}),
    })
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toBe(`No holder: ${prefix} (no key ${prefix}/.lock)\n`)
  })

  it('says nobody holds a lock key that was released but not deleted', async () => {
    const prefix = freshPrefix('released')
    const lock = locks.lock({ key: `${prefix}/.lock` })
    await lock.acquire()
    await lock.release()

    const result = await status(prefix)

    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(
      new RegExp(
        `^No holder: ${prefix} \\(the lock ${prefix}/\\.lock is free; LockIndex 1, ModifyIndex \\d+\\)\n$`,
      ),
    )
  })

  it('says what a .lock key with other flags is instead of guessing', async () => {
    const prefix = freshPrefix('other')
    await suite.consul.kv.put(`${prefix}/.lock`, 'hello', { flags: 42 })

    const result = await status(prefix)

    expect(result.code).toBe(0)
    expect(result.stdout).toContain(
      `Not a lock: ${prefix}/.lock has Flags 42, neither a lock's (3304740253564472344) nor a semaphore's (16210313421097356768)\n`,
    )
    expect(result.stdout).toMatch(/value +"hello"\n/)
  })

  it('exits 1 with one line on stderr when Consul cannot be reached', async () => {
    const cli = startCli(['status', '-http-addr', '127.0.0.1:1', 'any/prefix'])
    expect(await cli.exited).toBe(1)
    expect(cli.stdout()).toBe('')
    expect(cli.stderr()).toMatch(/^consul-lock: Error querying Consul agent: .*ECONNREFUSED.*\n$/)
  })

  it('rejects a missing prefix and an unknown flag with the usage and exit code 1', async () => {
    const missing = startCli(['status'])
    expect(await missing.exited).toBe(1)
    expect(missing.stderr()).toContain(
      'Key prefix must be specified (exactly one)\n\nUsage: consul-lock status',
    )

    const unknown = startCli(['status', '-bogus', 'any/prefix'])
    expect(await unknown.exited).toBe(1)
    expect(unknown.stderr()).toContain('flag provided but not defined: -bogus')
  })
})

/** Resolves once `count` contender keys (keys other than `.lock`) exist under the prefix. */
async function waitForContenderKeys(prefix: string, count: number): Promise<void> {
  let index = 0n
  for (;;) {
    const { value: pairs, meta } = await suite.consul.kv.list(`${prefix}/`, { index, wait: '10s' })
    if (pairs.filter((pair) => !pair.key.endsWith('/.lock') && pair.session).length >= count) return
    index = nextWaitIndex(index, meta.lastIndex)
  }
}
