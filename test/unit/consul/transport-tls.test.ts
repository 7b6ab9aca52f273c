/**
 * The TLS variables end to end: an HTTPS server with a certificate for `server.dc1.consul`,
 * signed by a test CA, proves that CONSUL_CACERT, CONSUL_TLS_SERVER_NAME, CONSUL_HTTP_SSL,
 * CONSUL_HTTP_SSL_VERIFY and the client certificate variables reach the connection pool.
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Consul } from '../../../src/consul/client.js'
import { ConsulTransportError } from '../../../src/errors.js'

const TLS_DIR = join(import.meta.dirname, '../../support/tls')
const tlsFile = (name: string) => join(TLS_DIR, name)

let server: Server
let hostPort: string
const clientCertificates: unknown[] = []

beforeAll(async () => {
  server = createServer(
    {
      cert: readFileSync(tlsFile('server.pem')),
      key: readFileSync(tlsFile('server.key')),
      ca: readFileSync(tlsFile('ca.pem')),
      requestCert: true,
      rejectUnauthorized: false, // record whether a client certificate came, don't require it
    },
    (request, response) => {
      const socket = request.socket as TLSSocket
      clientCertificates.push(socket.getPeerCertificate().subject?.CN)
      response.writeHead(200, { 'X-Consul-Index': '5', 'X-Consul-Knownleader': 'true' })
      response.end('[]')
    },
  )
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  hostPort = `127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

async function list(env: Record<string, string>): Promise<unknown> {
  const consul = new Consul({ env: { CONSUL_HTTP_ADDR: hostPort, ...env } })
  try {
    return (await consul.kv.list('p/')).meta.lastIndex
  } catch (error) {
    return error
  } finally {
    await consul.close()
  }
}

describe('TLS from the environment', () => {
  it('trusts CONSUL_CACERT and verifies against CONSUL_TLS_SERVER_NAME (port dropped)', async () => {
    expect(
      await list({
        CONSUL_HTTP_SSL: 'true',
        CONSUL_CACERT: tlsFile('ca.pem'),
        CONSUL_TLS_SERVER_NAME: 'server.dc1.consul:8501',
      }),
    ).toBe(5n)
  })

  it('trusts a CONSUL_CAPATH directory', async () => {
    expect(
      await list({
        CONSUL_HTTP_SSL: '1',
        CONSUL_CAPATH: TLS_DIR,
        CONSUL_TLS_SERVER_NAME: 'server.dc1.consul',
      }),
    ).toBe(5n)
  })

  it('fails with a transport error when the certificate does not match the host', async () => {
    const error = await list({ CONSUL_HTTP_SSL: 'true', CONSUL_CACERT: tlsFile('ca.pem') })
    expect(error).toBeInstanceOf(ConsulTransportError)
    expect(((error as Error).cause as { code?: string }).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
  })

  it('fails with a transport error against an untrusted CA unless CONSUL_HTTP_SSL_VERIFY=false', async () => {
    const untrusted = await list({ CONSUL_HTTP_SSL: 'true', CONSUL_TLS_SERVER_NAME: 'server.dc1.consul' })
    expect(untrusted).toBeInstanceOf(ConsulTransportError)
    expect(await list({ CONSUL_HTTP_SSL: 'true', CONSUL_HTTP_SSL_VERIFY: 'false' })).toBe(5n)
  })

  it('presents CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY for mutual TLS', async () => {
    clientCertificates.length = 0
    expect(
      await list({
        CONSUL_HTTP_SSL: 'true',
        CONSUL_CACERT: tlsFile('ca.pem'),
        CONSUL_TLS_SERVER_NAME: 'server.dc1.consul',
        CONSUL_CLIENT_CERT: tlsFile('client.pem'),
        CONSUL_CLIENT_KEY: tlsFile('client.key'),
      }),
    ).toBe(5n)
    expect(clientCertificates).toEqual(['client'])
  })
})
