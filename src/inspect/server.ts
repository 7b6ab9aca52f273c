/**
 * The inspector's HTTP server (`node:http`, loopback by default): `GET /` the page (one
 * self-contained document: nothing is loaded from anywhere else), `GET /api/state` the
 * `InspectorState` as JSON, `GET /events` server-sent events: `event: state` first on every
 * connection, then one `event: update` per change, and a comment every 15 s to keep proxies and
 * the browser from dropping an idle stream.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { InspectionCollector } from './collector.js'
import { renderPage } from './page/index.js'

export interface ServeOptions {
  port: number
  host: string
  /** The interval of the keep-alive comments on `/events`. @default 15_000 */
  pingMs?: number
}

export interface InspectorServer {
  /** `http://<host>:<port>/`. */
  readonly url: string
  /** Ends every event stream and frees the port. */
  close(): Promise<void>
}

/**
 * What the page may load: its own inline script and styles, and its own origin for the event
 * stream. Nothing else, so a page that would reach a CDN fails visibly rather than quietly.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'self'"

/** How soon a browser reconnects to `/events` after the stream broke (a restart). */
const RETRY_MS = 1_000
const PING_MS = 15_000
/** The most a slow event stream may have waiting to be sent, in bytes. */
const MAX_BUFFERED = 4 * 1024 * 1024
/** How often the status of live actors is read: a crash sends no inspection event. */
const REFRESH_MS = 1_000

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])

export async function serveInspector(
  collector: InspectionCollector,
  options: ServeOptions,
): Promise<InspectorServer> {
  const streams = new Set<ServerResponse>()
  const server = createServer((request, response) => {
    if (!hostAllowed(request, options.host, server.address() as AddressInfo)) {
      return send(response, 421, 'text/plain; charset=utf-8', 'Misdirected request\n')
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD')
      return send(response, 405, 'text/plain; charset=utf-8', 'Method not allowed\n')
    }
    switch (new URL(request.url ?? '/', 'http://inspector').pathname) {
      case '/':
        response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
        return send(response, 200, 'text/html; charset=utf-8', renderPage())
      case '/api/state':
        return send(response, 200, 'application/json; charset=utf-8', JSON.stringify(collector.state()))
      case '/events':
        return openStream(collector, response, streams, options.pingMs ?? PING_MS)
      default:
        return send(response, 404, 'text/plain; charset=utf-8', 'Not found\n')
    }
  })
  server.listen(options.port, options.host)
  await once(server, 'listening')
  const refresh = setInterval(() => collector.refresh(), REFRESH_MS).unref()
  const address = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/`,
    close() {
      closing ??= (async () => {
        clearInterval(refresh)
        for (const stream of streams) stream.end()
        const closed = once(server, 'close')
        server.close()
        server.closeAllConnections()
        await closed
      })()
      return closing
    },
  }
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  })
  response.end(response.req.method === 'HEAD' ? undefined : body)
}

function openStream(
  collector: InspectionCollector,
  response: ServerResponse,
  streams: Set<ServerResponse>,
  pingMs: number,
): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Content-Type-Options': 'nosniff',
  })
  response.write(`retry: ${RETRY_MS}\n\n`)
  response.write(sseMessage('state', collector.state()))
  const stop = collector.subscribe((update) => {
    // A client that stopped reading is dropped rather than buffered for: on reconnecting, it
    // gets the whole state again.
    if (response.writableEnded) return
    if (response.writableLength > MAX_BUFFERED) response.end()
    else response.write(sseMessage('update', update))
  })
  const ping = setInterval(() => response.writableEnded || response.write(': ping\n\n'), pingMs)
  streams.add(response)
  response.once('close', () => {
    stop()
    clearInterval(ping)
    streams.delete(response)
  })
}

/** One server-sent event; JSON has no raw newline, so the data is one line. */
function sseMessage(event: 'state' | 'update', data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

/**
 * A server on a loopback address answers only requests addressed to a loopback name: a web page
 * elsewhere cannot reach it through a DNS name rebound to 127.0.0.1. A server bound elsewhere
 * (the caller chose to expose it) answers any `Host`.
 */
function hostAllowed(request: IncomingMessage, boundHost: string, address: AddressInfo): boolean {
  if (!LOOPBACK.has(boundHost) && !boundHost.startsWith('127.')) return true
  const host = request.headers.host
  if (host === undefined) return true
  const [, bracketed, plain, port = '80'] = /^(?:\[([^\]]*)\]|([^:]*))(?::(\d+))?$/.exec(host) ?? []
  const name = bracketed ?? plain ?? ''
  return (LOOPBACK.has(name) || name.startsWith('127.')) && Number(port) === address.port
}
