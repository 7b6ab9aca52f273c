import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { Consul } from '../../../src/consul/client.js'
import { resolveConfig } from '../../../src/consul/config.js'
import { InvalidOptionError } from '../../../src/errors.js'

const dir = mkdtempSync(join(tmpdir(), 'consul-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(name: string, content: string): string {
  const path = join(dir, name)
  writeFileSync(path, content)
  return path
}

const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n'

function invalidOption(fn: () => unknown): InvalidOptionError {
  try {
    fn()
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError)
    return error as InvalidOptionError
  }
  throw new Error('expected an InvalidOptionError')
}

describe('address', () => {
  it('reads process.env when no env option is given', async () => {
    vi.stubEnv('CONSUL_HTTP_ADDR', 'unix:///tmp/from-process-env.sock')
    try {
      const consul = new Consul()
      expect(consul.address).toBe('unix:///tmp/from-process-env.sock')
      await consul.close()
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('defaults to http://127.0.0.1:8500 with an empty environment', () => {
    const config = resolveConfig({ env: {} })
    expect(config).toMatchObject({
      origin: 'http://127.0.0.1:8500',
      basePath: '',
      socketPath: undefined,
      tls: undefined,
    })
    expect(config.displayAddress).toBe('http://127.0.0.1:8500')
  })

  it('reads CONSUL_HTTP_ADDR in host:port form as http', () => {
    expect(resolveConfig({ env: { CONSUL_HTTP_ADDR: 'consul.local:18500' } }).origin).toBe(
      'http://consul.local:18500',
    )
  })

  it('accepts http:// and https:// URLs and keeps a reverse-proxy path prefix', () => {
    expect(resolveConfig({ env: {}, address: 'http://10.0.0.1:8500' }).origin).toBe('http://10.0.0.1:8500')
    const https = resolveConfig({ env: {}, address: 'https://consul.example:8501/' })
    expect(https.origin).toBe('https://consul.example:8501')
    expect(https.basePath).toBe('')
    expect(https.tls).toEqual({ rejectUnauthorized: true })
    const proxied = resolveConfig({ env: {}, address: 'https://gw.example/consul/' })
    expect(proxied.basePath).toBe('/consul')
    expect(proxied.displayAddress).toBe('https://gw.example/consul')
  })

  it('accepts IPv6 literals', () => {
    expect(resolveConfig({ env: {}, address: '[::1]:8500' }).origin).toBe('http://[::1]:8500')
  })

  it('connects to a unix socket for unix:///path', () => {
    const config = resolveConfig({ env: { CONSUL_HTTP_ADDR: 'unix:///var/run/consul.sock' } })
    expect(config.socketPath).toBe('/var/run/consul.sock')
    expect(config.origin).toBe('http://localhost')
    expect(config.displayAddress).toBe('unix:///var/run/consul.sock')
  })

  it('accepts a unix socket path relative to the working directory, as Go does', () => {
    const config = resolveConfig({ env: { CONSUL_HTTP_ADDR: 'unix://run/consul.sock' } })
    expect(config.socketPath).toBe('run/consul.sock')
    expect(config.displayAddress).toBe('unix://run/consul.sock')
  })

  it('prefers the address option over CONSUL_HTTP_ADDR', () => {
    const config = resolveConfig({ address: 'example.org:1', env: { CONSUL_HTTP_ADDR: 'other:2' } })
    expect(config.origin).toBe('http://example.org:1')
  })

  it('switches host:port and even http:// to https when CONSUL_HTTP_SSL is true, as Go does', () => {
    expect(resolveConfig({ env: { CONSUL_HTTP_ADDR: 'h:8501', CONSUL_HTTP_SSL: 'true' } }).origin).toBe(
      'https://h:8501',
    )
    expect(resolveConfig({ env: { CONSUL_HTTP_SSL: '1' }, address: 'http://h:8501' }).origin).toBe(
      'https://h:8501',
    )
    expect(resolveConfig({ env: { CONSUL_HTTP_SSL: 'false' }, address: 'h:8500' }).origin).toBe(
      'http://h:8500',
    )
    expect(
      resolveConfig({ env: { CONSUL_HTTP_SSL: 'true' }, tls: { enabled: false }, address: 'h:1' }).origin,
    ).toBe('http://h:1')
  })

  it.each([
    ['ftp://h:21', "unknown scheme 'ftp'"],
    ['http://user:secret@h:8500', 'credentials in the address'],
    ['http://h:8500/?x=1', 'query string'],
    ['unix://', 'needs a path'],
    ['http://h:99999', 'not a valid address'],
  ])('rejects the address %s before any request', (address, problem) => {
    const error = invalidOption(() => new Consul({ env: {}, address }))
    expect(error.option).toBe('address')
    expect(error.message).toContain(problem)
    expect(error.message).not.toContain('secret')
  })

  it('names CONSUL_HTTP_ADDR when the bad address came from the environment', () => {
    expect(invalidOption(() => resolveConfig({ env: { CONSUL_HTTP_ADDR: 'gopher://h' } })).option).toBe(
      'CONSUL_HTTP_ADDR',
    )
  })
})

describe('token', () => {
  it('reads CONSUL_HTTP_TOKEN', () => {
    expect(resolveConfig({ env: { CONSUL_HTTP_TOKEN: 'env-token' } }).token).toBe('env-token')
  })

  it('prefers the contents of CONSUL_HTTP_TOKEN_FILE over CONSUL_HTTP_TOKEN, trimmed (Go: TokenFile wins)', () => {
    const path = file('env-token-file', '  file-token\n')
    expect(
      resolveConfig({ env: { CONSUL_HTTP_TOKEN: 'env-token', CONSUL_HTTP_TOKEN_FILE: path } }).token,
    ).toBe('file-token')
  })

  it('falls back to CONSUL_HTTP_TOKEN when the token file is empty', () => {
    const path = file('empty-token-file', '\n')
    expect(
      resolveConfig({ env: { CONSUL_HTTP_TOKEN: 'env-token', CONSUL_HTTP_TOKEN_FILE: path } }).token,
    ).toBe('env-token')
  })

  it('prefers the tokenFile option over the token option', () => {
    const path = file('option-token-file', 'option-file-token')
    expect(resolveConfig({ env: {}, token: 'option-token', tokenFile: path }).token).toBe('option-file-token')
  })

  it('ignores both environment variables when a token option is given', () => {
    const path = file('ignored-token-file', 'env-file-token')
    const env = { CONSUL_HTTP_TOKEN: 'env-token', CONSUL_HTTP_TOKEN_FILE: path }
    expect(resolveConfig({ env, token: 'option-token' }).token).toBe('option-token')
    expect(resolveConfig({ env, token: '' }).token).toBeUndefined()
  })

  it('has no token by default', () => {
    expect(resolveConfig({ env: {} }).token).toBeUndefined()
  })

  it('rejects an unreadable token file, naming the option or variable and not the contents', () => {
    const missing = join(dir, 'no-such-file')
    const fromOption = invalidOption(() => resolveConfig({ env: {}, tokenFile: missing }))
    expect(fromOption.option).toBe('tokenFile')
    expect(fromOption.message).toContain('ENOENT')
    expect(invalidOption(() => resolveConfig({ env: { CONSUL_HTTP_TOKEN_FILE: missing } })).option).toBe(
      'CONSUL_HTTP_TOKEN_FILE',
    )
  })

  it('rejects a token that cannot travel in a header without echoing it', () => {
    const error = invalidOption(() => resolveConfig({ env: {}, token: 'secret value\n' }))
    expect(error.option).toBe('token')
    expect(error.message).not.toContain('secret')
  })
})

describe('datacenter, namespace, partition, timeout', () => {
  it('reads CONSUL_NAMESPACE and CONSUL_PARTITION; options win', () => {
    const env = { CONSUL_NAMESPACE: 'ns-env', CONSUL_PARTITION: 'part-env' }
    expect(resolveConfig({ env })).toMatchObject({
      namespace: 'ns-env',
      partition: 'part-env',
      datacenter: undefined,
    })
    expect(resolveConfig({ env, namespace: 'ns', partition: 'p', datacenter: 'dc2' })).toMatchObject({
      namespace: 'ns',
      partition: 'p',
      datacenter: 'dc2',
    })
  })

  it('defaults the timeout to 30 s and accepts Go durations or milliseconds', () => {
    expect(resolveConfig({ env: {} }).timeoutMs).toBe(30_000)
    expect(resolveConfig({ env: {}, timeout: '1m' }).timeoutMs).toBe(60_000)
    expect(resolveConfig({ env: {}, timeout: 1500 }).timeoutMs).toBe(1500)
  })

  it.each([
    ['timeout', { timeout: '5 seconds' }],
    ['timeout', { timeout: 0 }],
    ['timeout', { timeout: -1 }],
  ])('rejects %s %o', (option, options) => {
    expect(invalidOption(() => new Consul({ env: {}, ...options })).option).toBe(option)
  })

  it('rejects a dispatcher that is not an undici Dispatcher', () => {
    expect(invalidOption(() => new Consul({ env: {}, dispatcher: {} as never })).option).toBe('dispatcher')
  })
})

describe('TLS', () => {
  it('reads every TLS variable and the files they name', () => {
    const caDir = join(dir, 'cas')
    mkdirSync(join(caDir, 'nested'), { recursive: true })
    writeFileSync(join(caDir, 'a.pem'), CERT.replace('MIIB', 'CAPATH-A'))
    writeFileSync(join(caDir, 'nested', 'b.crt'), CERT.replace('MIIB', 'CAPATH-B'))
    writeFileSync(join(caDir, 'README'), 'not a certificate')
    const config = resolveConfig({
      env: {
        CONSUL_HTTP_ADDR: 'consul:8501',
        CONSUL_HTTP_SSL: 'true',
        CONSUL_CACERT: file('ca.pem', CERT.replace('MIIB', 'CAFILE')),
        CONSUL_CAPATH: caDir,
        CONSUL_CLIENT_CERT: file('client.pem', CERT.replace('MIIB', 'CLIENT')),
        CONSUL_CLIENT_KEY: file('client.key', KEY),
        CONSUL_TLS_SERVER_NAME: 'server.dc1.consul:8501',
        CONSUL_HTTP_SSL_VERIFY: 'false',
      },
    })
    expect(config.origin).toBe('https://consul:8501')
    // As go-rootcerts: the CA file alone, CONSUL_CAPATH is not added to it.
    expect(config.tls?.ca?.map((pem) => pem.split('\n')[1])).toEqual(['CAFILE'])
    expect(config.tls?.cert).toContain('CLIENT')
    expect(config.tls?.key).toBe(KEY)
    expect(config.tls?.servername).toBe('server.dc1.consul')
    expect(config.tls?.rejectUnauthorized).toBe(false)
  })

  it('lets options override the TLS variables', () => {
    const config = resolveConfig({
      env: { CONSUL_HTTP_SSL_VERIFY: 'false', CONSUL_TLS_SERVER_NAME: 'env-name', CONSUL_CACERT: '/nope' },
      address: 'https://h:8501',
      tls: { verify: true, serverName: 'opt-name', caFile: file('opt-ca.pem', CERT) },
    })
    expect(config.tls).toEqual({ rejectUnauthorized: true, servername: 'opt-name', ca: [CERT] })
  })

  it("takes the CA from one source in go-rootcerts' order: file, else inline PEM, else directory", () => {
    const caDir = join(dir, 'one-source')
    mkdirSync(caDir, { recursive: true })
    writeFileSync(join(caDir, 'dir.pem'), CERT.replace('MIIB', 'DIR'))
    const caFile = file('one-source.pem', CERT.replace('MIIB', 'FILE'))
    const inline = CERT.replace('MIIB', 'INLINE')
    const first = (tls: object) =>
      resolveConfig({ env: {}, address: 'https://h:1', tls }).tls?.ca?.map((pem) => pem.split('\n')[1])

    expect(first({ caFile, ca: inline, caPath: caDir })).toEqual(['FILE'])
    expect(first({ ca: inline, caPath: caDir })).toEqual(['INLINE'])
    expect(first({ caPath: caDir })).toEqual(['DIR'])
    expect(resolveConfig({ env: { CONSUL_CAPATH: caDir }, address: 'https://h:1' }).tls?.ca).toHaveLength(1)
  })

  it('does not let CONSUL_CACERT override an explicit caPath (Go would)', () => {
    const caDir = join(dir, 'explicit-dir')
    mkdirSync(caDir, { recursive: true })
    writeFileSync(join(caDir, 'dir.pem'), CERT.replace('MIIB', 'DIR'))
    const config = resolveConfig({
      env: { CONSUL_CACERT: file('stray.pem', CERT.replace('MIIB', 'STRAY')) },
      address: 'https://h:1',
      tls: { caPath: caDir },
    })
    expect(config.tls?.ca?.map((pem) => pem.split('\n')[1])).toEqual(['DIR'])
  })

  it('rejects a CA file or inline CA without a PEM certificate', () => {
    const notPem = file('not-a-ca.pem', 'hello')
    expect(invalidOption(() => resolveConfig({ env: { CONSUL_CACERT: notPem } })).option).toBe(
      'CONSUL_CACERT',
    )
    expect(invalidOption(() => resolveConfig({ env: {}, tls: { ca: 'INLINE' } })).option).toBe('tls.ca')
  })

  it.each([
    ['consul.service:8501', 'consul.service'],
    ['[::1]:8501', '::1'],
    ['[::1]', '[::1]'],
    ['server.dc1.consul', 'server.dc1.consul'],
  ])("drops the port from CONSUL_TLS_SERVER_NAME %s as Go's SetupTLSConfig does", (name, expected) => {
    expect(resolveConfig({ env: { CONSUL_TLS_SERVER_NAME: name } }).tls?.servername).toBe(expected)
  })

  it('requires a client certificate and key together', () => {
    const error = invalidOption(() =>
      resolveConfig({ env: { CONSUL_CLIENT_CERT: file('lonely.pem', CERT) }, address: 'https://h:1' }),
    )
    expect(error.message).toContain('both a client certificate and a client key')
    expect(error.option).toBe('CONSUL_CLIENT_KEY')
  })

  it.each([
    [{ CONSUL_CACERT: '/no/such/ca.pem' }, 'CONSUL_CACERT'],
    [{ CONSUL_CAPATH: '/no/such/dir' }, 'CONSUL_CAPATH'],
    [{ CONSUL_HTTP_SSL: 'yes' }, 'CONSUL_HTTP_SSL'],
    [{ CONSUL_HTTP_SSL_VERIFY: 'nope' }, 'CONSUL_HTTP_SSL_VERIFY'],
  ])('rejects a bad TLS environment %o naming %s', (env, option) => {
    expect(invalidOption(() => resolveConfig({ env })).option).toBe(option)
  })

  it('rejects a CA directory without certificates', () => {
    const empty = join(dir, 'no-certs')
    mkdirSync(empty, { recursive: true })
    writeFileSync(join(empty, 'notes.txt'), 'hello')
    expect(invalidOption(() => resolveConfig({ env: {}, tls: { caPath: empty } })).option).toBe('tls.caPath')
  })
})
