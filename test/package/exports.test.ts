import { execFile } from 'node:child_process'
import { access, constants, readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { assertBuildIsFresh, packageRoot } from '../support/built-package.js'

const run = promisify(execFile)
const root = packageRoot

/** Loads the built package by its own name (self-reference through `exports`), as users do. */
async function load(kind: 'import' | 'require', entry: string): Promise<string[]> {
  const script =
    kind === 'import'
      ? `import(${JSON.stringify(entry)}).then((m) => console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort())))`
      : `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(entry)})).sort()))`
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: root })
  return JSON.parse(stdout) as string[]
}

describe('the built package', () => {
  beforeAll(assertBuildIsFresh)
  for (const kind of ['import', 'require'] as const) {
    it(`exposes exactly the client, facades, errors, machines and helpers through ${kind}('consul-lock-machine')`, async () => {
      expect(await load(kind, 'consul-lock-machine')).toEqual([
        'ClientClosedError',
        'Consul',
        'ConsulError',
        'ConsulLockMachineError',
        'ConsulTransportError',
        'Election',
        'InvalidOptionError',
        'Lock',
        'LockConflictError',
        'LockHeldError',
        'LockInUseError',
        'LockLostError',
        'LockNotHeldError',
        'NotLeaderError',
        'Semaphore',
        'SemaphoreConflictError',
        'SemaphoreHeldError',
        'SemaphoreInUseError',
        'SemaphoreLimitError',
        'SemaphoreLostError',
        'SemaphoreNotHeldError',
        'createLockMachine',
        'createSemaphoreMachine',
        'isRetryable',
        'lockMachine',
        'nextWaitIndex',
        'semaphoreMachine',
      ])
    })

    it(`exposes the inspector and the diagram exports through ${kind}('consul-lock-machine/inspect')`, async () => {
      expect(await load(kind, 'consul-lock-machine/inspect')).toEqual([
        'createInspector',
        'createStatelyInspector',
        'describeMachine',
        'redact',
        'toDot',
        'toMermaid',
      ])
    })

    it(`exposes startDevServer through ${kind}('consul-lock-machine/devserver')`, async () => {
      expect(await load(kind, 'consul-lock-machine/devserver')).toEqual(['startDevServer'])
    })

    it(`exposes the statecharts, their actors and the Go flag values through ${kind}('consul-lock-machine/machines')`, async () => {
      expect(await load(kind, 'consul-lock-machine/machines')).toEqual(
        expect.arrayContaining([
          'LOCK_FLAG_VALUE',
          'SEMAPHORE_FLAG_VALUE',
          'createLockActors',
          'createLockMachine',
          'createSemaphoreActors',
          'createSemaphoreMachine',
          'lockMachine',
          'resolveLockOptions',
          'resolveSemaphoreOptions',
          'semaphoreMachine',
        ]),
      )
    })
  }

  it('ships an executable consul-lock bin with a node shebang', async () => {
    const pkg = JSON.parse(await readFile(`${root}/package.json`, 'utf8')) as { bin: Record<string, string> }
    const bin = `${root}/${pkg.bin['consul-lock']}`
    await access(bin, constants.X_OK)
    expect((await readFile(bin, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true)
  })

  it('ships type declarations for both module systems', async () => {
    for (const file of [
      'index.d.ts',
      'index.d.cts',
      'devserver.d.ts',
      'devserver.d.cts',
      'machines.d.ts',
      'inspect.d.ts',
      'inspect.d.cts',
    ]) {
      await expect(access(`${root}/dist/${file}`)).resolves.toBeUndefined()
    }
  })
})
