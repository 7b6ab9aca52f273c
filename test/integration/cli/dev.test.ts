import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { startCli } from '../../support/cli-process.js'

describe('consul-lock dev', () => {
  it('serves the Consul HTTP API until SIGINT, then exits 0', async () => {
    const cli = startCli(['dev', '-port=0'])
    const [, address] = await cli.waitForOutput(/listening on (http:\/\/\S+)/)

    const put = await request(`${address}/v1/kv/cli-dev/key`, { method: 'PUT', body: 'v' })
    expect(await put.body.text()).toBe('true\n')
    const get = await request(`${address}/v1/kv/cli-dev/key?raw`)
    expect(await get.body.text()).toBe('v')

    cli.child.kill('SIGINT')
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toContain('stopped (SIGINT)')
  })

  it('accepts GNU-style flags and turns ACLs on without printing the token', async () => {
    const token = 'f3a0c9de-secret-management-token'
    const cli = startCli(['dev', '--port', '0', '--acl-token', token])
    const [, address] = await cli.waitForOutput(/listening on (http:\/\/\S+)/)
    await cli.waitForOutput(/Press Ctrl-C/)

    const anonymous = await request(`${address}/v1/kv/cli-dev/key`)
    expect(anonymous.statusCode).toBe(403)
    await anonymous.body.dump()
    const managed = await request(`${address}/v1/kv/cli-dev/key`, { headers: { 'x-consul-token': token } })
    expect(managed.statusCode).toBe(404)
    await managed.body.dump()

    cli.child.kill('SIGTERM')
    expect(await cli.exited).toBe(0)
    expect(cli.stdout() + cli.stderr()).not.toContain(token)
  })

  it('rejects a bad port with a usage error and exit code 1', async () => {
    const cli = startCli(['dev', '-port=http'])
    expect(await cli.exited).toBe(1)
    expect(cli.stderr()).toContain("Invalid -port 'http': expected an integer from 0 to 65535")
    expect(cli.stderr()).toContain('Usage: consul-lock dev')
  })

  it('rejects an unknown flag with a usage error and exit code 1', async () => {
    const cli = startCli(['dev', '-bogus'])
    expect(await cli.exited).toBe(1)
    expect(cli.stderr()).toContain('flag provided but not defined: -bogus')
  })
})
