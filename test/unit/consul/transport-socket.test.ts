/**
 * The owned connection pool against tiny local `node:http` servers: what a MockAgent cannot
 * show (refused connections, undici's own timeouts, sockets closed mid-request, unix sockets).
 */
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { Consul } from '../../../src/consul/client.js'
import { ClientClosedError, ConsulTransportError, isRetryable } from '../../../src/errors.js'

type Handler = (request: IncomingMessage, response: ServerResponse) => void

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Starts a server on a loopback port (or a unix socket path) and records the requests it gets. */
async function serve(handler: Handler, socketPath?: string) {
  const requests: IncomingMessage[] = []
  const server: Server = createServer((request, response) => {
    requests.push(request)
    handler(request, response)
  })
  if (socketPath) server.listen(socketPath)
  else server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  const address = socketPath ? `unix://${socketPath}` : `127.0.0.1:${(server.address() as AddressInfo).port}`
  return { server, requests, address }
}

function client(address: string, extra: ConstructorParameters<typeof Consul>[0] = {}): Consul {
  const consul = new Consul({ env: {}, address, ...extra })
  cleanups.push(() => consul.close())
  return consul
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

/** Resolves once the server has received `count` requests. */
async function received(server: Server, requests: IncomingMessage[], count = 1): Promise<void> {
  while (requests.length < count) await once(server, 'request')
}

describe('owned pool over real sockets', () => {
  it('talks to an agent on a unix socket, sending the token header', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'consul-sock-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const { requests, address } = await serve(
      (_, response) => {
        response.writeHead(200, { 'X-Consul-Index': '3304740253564472344', 'X-Consul-Knownleader': 'true' })
        response.end('[]')
      },
      join(dir, 'consul.sock'),
    )

    const { meta } = await client(address, { token: 'sock-token' }).kv.list('p/')

    expect(meta.lastIndex).toBe(3304740253564472344n)
    expect(requests[0]?.url).toBe('/v1/kv/p/?recurse')
    expect(requests[0]?.headers['x-consul-token']).toBe('sock-token')
  })

  it('keeps a reverse-proxy path prefix in front of every path', async () => {
    const { requests, address } = await serve((_, response) => response.end('true'))
    await client(`http://${address}/consul/`).kv.put('k', 'v')
    expect(requests[0]?.url).toBe('/consul/v1/kv/k')
  })

  it('reuses keep-alive connections instead of opening one per call', async () => {
    const { server, requests, address } = await serve((_, response) => response.end('true'))
    const sockets = new Set<unknown>()
    server.on('connection', (socket) => sockets.add(socket))
    const consul = client(address)
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) await consul.kv.put(key, key)
    expect(requests).toHaveLength(6)
    // undici may open a second socket while the first is still finishing its response.
    expect(sockets.size).toBeLessThanOrEqual(2)
  })

  it('answers a short call at once while 20 blocking reads hold connections of the same pool', async () => {
    // Blocking reads (with index=) are held until the test ends; everything else answers at once.
    const held: ServerResponse[] = []
    const { server, requests, address } = await serve((request, response) => {
      if (request.url?.includes('index=')) held.push(response)
      else response.end('true')
    })
    const sockets = new Set<unknown>()
    server.on('connection', (socket) => sockets.add(socket))
    const consul = client(address)
    const watches = Array.from({ length: 20 }, (_, i) =>
      rejection(consul.kv.get(`watch/${i}`, { index: 7n, wait: '5m' })),
    )
    await received(server, requests, 20)
    expect(held).toHaveLength(20)

    const started = performance.now()
    expect(await consul.kv.put('renew-like', 'v')).toBe(true)
    expect(performance.now() - started).toBeLessThan(1_000)
    expect(sockets.size).toBe(21) // one connection per request in flight: no cap, no pipelining

    await consul.close()
    for (const outcome of await Promise.all(watches)) expect(outcome).toBeInstanceOf(ClientClosedError)
  })

  it('maps a refused connection to a retryable ConsulTransportError', async () => {
    const { server, address } = await serve(() => {})
    await new Promise((resolve) => server.close(resolve))
    const error = await rejection(client(address).kv.get('k'))
    expect(error).toBeInstanceOf(ConsulTransportError)
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED')
    expect(isRetryable(error)).toBe(true)
  })

  it('maps a socket closed before the answer to a retryable ConsulTransportError', async () => {
    const { address } = await serve((request) => request.socket.destroy())
    const error = await rejection(client(address).kv.get('k'))
    expect(error).toBeInstanceOf(ConsulTransportError)
    expect(isRetryable(error)).toBe(true)
  })

  it('times out a non-blocking call after the client timeout with a transport error', async () => {
    const { address } = await serve(() => {}) // never answers
    const started = performance.now()
    const error = await rejection(client(address, { timeout: 300 }).kv.get('k'))
    expect(error).toBeInstanceOf(ConsulTransportError)
    expect(((error as Error).cause as { code?: string }).code).toBe('UND_ERR_HEADERS_TIMEOUT')
    expect(performance.now() - started).toBeGreaterThanOrEqual(250)
  })

  it('does not time out a blocking read the server holds for up to wait + wait/16', async () => {
    // The server answers a blocking read after wait + jitter; the client timeout alone is shorter.
    const { address } = await serve((request, response) => {
      const wait = Number(/wait=(\d+)ms/.exec(request.url ?? '')?.[1] ?? 0)
      setTimeout(() => response.end('[]'), wait + wait / 16)
    })
    const { value } = await client(address, { timeout: 200 }).kv.list('p', { index: 1n, wait: 400 })
    expect(value).toEqual([])
  })

  it('aborts a long blocking read in flight at once with signal.reason', async () => {
    const { server, requests, address } = await serve(() => {}) // holds forever
    const controller = new AbortController()
    const pending = client(address).kv.get('k', { index: 10n, wait: '5m', signal: controller.signal })
    await received(server, requests)
    const reason = new Error('stop watching')
    const started = performance.now()
    controller.abort(reason)
    expect(await rejection(pending)).toBe(reason)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('close() cancels a blocking read in flight with ClientClosedError and closes the pool', async () => {
    const { server, requests, address } = await serve(() => {})
    const consul = client(address)
    const outcome = rejection(consul.kv.get('k', { index: 10n }))
    await received(server, requests)
    await consul.close()
    expect(await outcome).toBeInstanceOf(ClientClosedError)
  })
})
