import { request } from 'node:http'
import { describe, expect, it } from 'vitest'
import type { InspectorState } from '../../../src/inspect/types.js'
import { useLockCli } from './lock-harness.js'

const cli = useLockCli('cli-lock-inspect')

/** GET `url`, without connection reuse; rejects when nothing listens. */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk
      })
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
    })
    req.once('error', reject)
    req.end()
  })
}

describe('consul-lock -inspect', () => {
  it('prints the page on stderr, shows the lock held while the command runs, and closes the page at exit', async () => {
    const prefix = cli.prefix('inspected')
    const run = cli.start(['-inspect', '-pass-stdin', ...cli.fastFlags, prefix, 'echo ready; read line'], {
      stdin: 'pipe',
    })
    const [, url] = await run.waitForError(/^consul-lock: inspector at (http:\/\/127\.0\.0\.1:\d+\/)$/m)
    await run.waitForOutput(/ready/)

    const page = await get(url as string)
    expect(page.status).toBe(200)
    expect(page.body).toMatch(/^<!doctype html>/i)
    const state = JSON.parse((await get(new URL('api/state', url).href)).body) as InspectorState
    expect(state.actors).toHaveLength(1)
    expect(state.actors[0]).toMatchObject({
      name: `consul-lock ${prefix}`,
      machineId: 'lock',
      context: { settings: { key: `${prefix}/.lock` } },
    })
    expect(state.actors[0]?.tags).toContain('held')

    run.child.stdin?.end('done\n')
    expect(await run.exited).toBe(0)
    expect(run.stderr()).toBe(`consul-lock: inspector at ${url}\n`)
    await expect(get(url as string)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('shows a semaphore (-n 2) the same way, on the port asked for', async () => {
    const prefix = cli.prefix('inspected-semaphore')
    const run = cli.start(
      ['-n', '2', '-inspect=0', '-pass-stdin', ...cli.fastFlags, prefix, 'echo ready; read line'],
      {
        stdin: 'pipe',
      },
    )
    const [, url] = await run.waitForError(/inspector at (\S+)/)
    await run.waitForOutput(/ready/)
    const state = JSON.parse((await get(new URL('api/state', url).href)).body) as InspectorState
    expect(state.actors[0]).toMatchObject({
      name: `consul-lock ${prefix}`,
      machineId: 'semaphore',
      context: { settings: { prefix } },
    })
    run.child.stdin?.end('done\n')
    expect(await run.exited).toBe(0)
  })

  it('exits 1 before locking when the inspector cannot listen', async () => {
    const first = cli.start(
      ['-inspect', '-pass-stdin', ...cli.fastFlags, cli.prefix('port-owner'), 'echo ready; read x'],
      {
        stdin: 'pipe',
      },
    )
    const [, port] = await first.waitForError(/inspector at http:\/\/127\.0\.0\.1:(\d+)\//)
    await first.waitForOutput(/ready/)
    const prefix = cli.prefix('port-taken')
    const second = cli.start([`-inspect=${port}`, ...cli.fastFlags, prefix, 'echo never'])
    expect(await second.exited).toBe(1)
    expect(second.stderr()).toMatch(/^consul-lock: Inspector setup failed: .*EADDRINUSE/)
    expect(second.stdout()).toBe('')
    expect((await cli.consul.kv.get(`${prefix}/.lock`)).value).toBeNull()
    first.child.stdin?.end('done\n')
    expect(await first.exited).toBe(0)
  })
})
