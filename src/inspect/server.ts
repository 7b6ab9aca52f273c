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
import { EVENT_STREAM_HEADERS, EventStreams } from './event-streams.js'
import { renderPage } from './page/index.js'

export interface ServeOptions {
  port: number
  host: string
  /** The interval of the keep-alive comments on `/events`. @default 15_000 */
  pingMs?: number
  /** The most a slow event stream may have waiting to be sent, in bytes. @default 4 MiB */
  maxBuffered?: number
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

const PING_MS = 15_000
/** How often the status of live actors is read: a crash sends no inspection event. */
const REFRESH_MS = 1_000

export async function serveInspector(
  collector: Pick<InspectionCollector, 'state' | 'subscribe' | 'refresh'>,
  options: ServeOptions,
): Promise<InspectorServer> {
  const streams = new EventStreams(
    collector,
    options.maxBuffered === undefined ? {} : { maxBuffered: options.maxBuffered },
  )
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
        // HEAD: the headers a stream would have, and no stream.
        if (request.method === 'HEAD') {
          response.writeHead(200, EVENT_STREAM_HEADERS).end()
          return
        }
        return streams.open(response, options.pingMs ?? PING_MS)
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
        streams.endAll()
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

/**
 * A server on a loopback address answers only requests addressed to a loopback name: a web page
 * elsewhere cannot reach it through a DNS name rebound to 127.0.0.1. A server bound elsewhere
 * (the caller chose to expose it) answers any `Host`.
 */
function hostAllowed(request: IncomingMessage, boundHost: string, address: AddressInfo): boolean {
  if (!isLoopbackName(boundHost)) return true
  const host = request.headers.host
  if (host === undefined) return true
  const [, bracketed, plain, port = '80'] = /^(?:\[([^\]]*)\]|([^:]*))(?::(\d+))?$/.exec(host) ?? []
  return isLoopbackName(bracketed ?? plain ?? '') && Number(port) === address.port
}

/**
 * `localhost`, `::1` or an IPv4 loopback address, in any case: not a DNS name that merely
 * starts like one (`127.0.0.1.nip.io`, `127.evil.example`).
 */
function isLoopbackName(name: string): boolean {
  const lower = name.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return lower === 'localhost' || lower === '::1' || /^127(\.\d{1,3}){3}$/.test(lower)
}
