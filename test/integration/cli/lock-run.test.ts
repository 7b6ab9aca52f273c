import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE } from '../../../machines/flags.js'
import { useLockCli } from './lock-harness.js'

const cli = useLockCli('cli-lock-run')
let scratch: string
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'consul-lock-run-'))
})
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true })
})

describe('consul-lock <prefix> <command>', () => {
  it('runs the command under the lock with CONSUL_LOCK_HELD=true, then exits 0', async () => {
    const file = join(scratch, 'created-under-lock')
    const run = cli.start([
      ...cli.fastFlags,
      cli.prefix('creates-file'),
      `echo "$CONSUL_LOCK_HELD" > ${file}`,
    ])

    expect(await run.exited).toBe(0)
    expect(await readFile(file, 'utf8')).toBe('true\n')
  })

  it("holds <prefix>/.lock with Go's lock flags and session name while the command runs, and removes it after", async () => {
    const prefix = cli.prefix('holds-key')
    const command = 'echo ready; read line; echo "got $line"'
    // A leading '/' is dropped from the prefix, as consul lock does.
    const run = cli.start(['-pass-stdin', ...cli.fastFlags, `/${prefix}`, command], { stdin: 'pipe' })
    await run.waitForOutput(/ready/)

    const { value: held } = await cli.consul.kv.get(`${prefix}/.lock`)
    expect(held?.flags).toBe(LOCK_FLAG_VALUE)
    const session = held?.session as string
    const { value: info } = await cli.consul.session.info(session)
    expect(info?.name).toBe(`Consul lock for '${command}' at '${prefix}'`)

    run.child.stdin?.end('go\n')
    await run.waitForOutput(/got go/)
    expect(await run.exited).toBe(0)
    expect((await cli.consul.kv.get(`${prefix}/.lock`)).value).toBeNull()
    expect((await cli.consul.session.info(session)).value).toBeNull()
  })

  it('gives the command /dev/null as its stdin without -pass-stdin', async () => {
    const run = cli.start([...cli.fastFlags, cli.prefix('no-stdin'), 'read x && echo got || echo eof'], {
      stdin: 'pipe',
    })
    // Left open: the command would read this line if it had consul-lock's stdin.
    run.child.stdin?.write('a line\n')
    expect(await run.exited).toBe(0)
    expect(run.stdout()).toBe('eof\n')
  })

  it('names the session after -name when given', async () => {
    const prefix = cli.prefix('named')
    const run = cli.start(
      ['-pass-stdin', '-name', `${prefix} worker`, ...cli.fastFlags, prefix, 'echo ready; read x'],
      {
        stdin: 'pipe',
      },
    )
    await run.waitForOutput(/ready/)
    const { value: held } = await cli.consul.kv.get(`${prefix}/.lock`)
    expect((await cli.consul.session.info(held?.session as string)).value?.name).toBe(`${prefix} worker`)
    run.child.stdin?.end('\n')
    expect(await run.exited).toBe(0)
  })

  it('runs the command through $SHELL -c with its arguments joined by spaces', async () => {
    const run = cli.start([...cli.fastFlags, cli.prefix('shell'), 'echo', '"held:', '$CONSUL_LOCK_HELD"'])
    expect(await run.exited).toBe(0)
    expect(run.stdout()).toBe('held: true\n')
  })

  it('with -shell=false runs the command directly, each argument arriving as given', async () => {
    const printArgs = 'console.log(JSON.stringify(process.argv.slice(1)))'
    const run = cli.start([
      '-shell=false',
      ...cli.fastFlags,
      cli.prefix('no-shell'),
      process.execPath,
      '-e',
      printArgs,
      'two words',
      '$HOME',
      '*',
    ])
    expect(await run.exited).toBe(0)
    expect(JSON.parse(run.stdout())).toEqual(['two words', '$HOME', '*'])
  })

  it.each([
    { flags: ['-child-exit-code'], command: 'exit 3', code: 2 },
    { flags: [], command: 'exit 3', code: 0 },
    { flags: ['-child-exit-code'], command: 'exit 0', code: 0 },
  ])('exits $code when the command runs `$command` with flags $flags', async ({ flags, command, code }) => {
    const run = cli.start([...flags, ...cli.fastFlags, cli.prefix('exit-code'), command])
    expect(await run.exited).toBe(code)
    if (command === 'exit 3') expect(run.stderr()).toBe('consul-lock: Error running handler: exit status 3\n')
  })

  it('exits 2 with -child-exit-code when the command cannot start, and releases the lock', async () => {
    const prefix = cli.prefix('no-such-command')
    const run = cli.start([
      '-shell=false',
      '-child-exit-code',
      ...cli.fastFlags,
      prefix,
      'no-such-command-here',
    ])
    expect(await run.exited).toBe(2)
    expect(run.stderr()).toContain('consul-lock: Error starting handler: spawn no-such-command-here ENOENT')
    expect((await cli.consul.kv.get(`${prefix}/.lock`)).value).toBeNull()
  })
})
