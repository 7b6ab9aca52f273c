import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { gzipSync } from 'node:zlib'
import { Acl } from './acl.js'
import { type Checks, createChecks } from './checks.js'
import type { DevState } from './devstate.js'
import { FaultInjector, type Faults } from './faults.js'
import { bodyReader, contentLengthOf, headerReader, type RequestContext } from './http/context.js'
import { indexReply } from './http/index-page.js'
import { cleanPath, decodePath, escapePath, hasUnprintable } from './http/path.js'
import { isMalformedGoQuery, parseGoQuery } from './http/query.js'
import { HttpError, type Reply, TEXT, textReply } from './http/reply.js'
import { matchRoute } from './http/router.js'
import { type DevServerOptions, resolveOptions } from './options.js'
import { SessionTimers } from './state/session-timers.js'
import { Store } from './state/store.js'
import { Timers } from './timers.js'

/** @internal Counters that let tests prove the server holds nothing it should not. */
export interface DevServerStats {
  /** Blocking queries currently registered as waiting. */
  readonly watchers: number
  readonly sessions: number
  readonly keys: number
  readonly tombstones: number
  readonly lockDelays: number
  /** Live timers of every kind (TTL, blocking-query deadlines, latency, reaper). */
  readonly timers: number
  /** Sessions with a running TTL timer. */
  readonly sessionTimers: number
  /** Open client sockets. */
  readonly connections: number
  /** Requests being handled (including blocked ones). */
  readonly inflight: number
  /** The last Raft index used. */
  readonly index: number
}

/** A running dev server (**contract**, DESIGN §6). */
export interface DevServer {
  /** Base URL, e.g. `'http://127.0.0.1:8500'`. */
  readonly address: string
  /** The bound port (useful with `port: 0`). */
  readonly port: number
  /** Fault injection: scripted failures, latency, dropped connections, leader loss. */
  readonly faults: Faults
  /** The node's health checks; a critical check invalidates its sessions. */
  readonly checks: Checks
  /** @internal Resource counters for leak tests. */
  stats(): DevServerStats
  /**
   * Stops listening, ends every blocking query and socket, clears every timer. Idempotent;
   * once it resolves the server holds no handle that would keep the process alive.
   */
  close(): Promise<void>
}

const GZIP_MIN_SIZE = 1400

/**
 * Starts a Consul-compatible single-node dev server (KV, sessions, txn) that follows
 * consul-api.md: indexes, blocking queries, lock-delay, TTLs, ACLs and exact error texts.
 * @example
 * const server = await startDevServer({ port: 0, sessionTTLMin: '200ms' })
 * // … point a client at server.address …
 * await server.close()
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const resolved = resolveOptions(options)
  const timers = new Timers()
  const store = new Store(resolved.nodeName)
  let closed = false
  const sessionTimers = new SessionTimers(timers, (id) => {
    if (!closed) store.apply((index) => store.invalidateSession(index, id))
  })
  store.onSessionRemoved = (id) => sessionTimers.stop(id)
  const state: DevState = {
    store,
    acl: new Acl(resolved.aclToken),
    timers,
    sessionTimers,
    datacenter: resolved.datacenter,
    nodeName: resolved.nodeName,
    sessionTTLMinNs: resolved.sessionTTLMinNs,
    closing: () => closed,
  }
  const sockets = new Set<Socket>()
  const inflight = new Set<AbortController>()
  const faults = new FaultInjector({
    dropConnections: () => {
      for (const socket of sockets) socket.destroy()
    },
    leaderChanged: (hasLeader) => {
      if (hasLeader) sessionTimers.resume(store.sessions.values())
      else sessionTimers.pause()
    },
  })

  // Tombstones are reaped by a periodic Raft apply on the leader; expired lock-delays go too.
  timers.repeat(() => {
    store.lockDelays.sweep(Date.now())
    if (store.kv.tombstones.reap(Date.now(), resolved.tombstoneTTLms) > 0) store.apply(() => {})
  }, resolved.tombstoneReapIntervalMs)

  const server: Server = createServer((req, res) => {
    const controller = new AbortController()
    inflight.add(controller)
    res.on('close', () => {
      inflight.delete(controller)
      if (!res.writableFinished) controller.abort()
    })
    handle(req, controller.signal)
      .catch((error: unknown) => textReply(500, error instanceof Error ? error.message : String(error)))
      .then((reply) => {
        if (reply !== undefined && !controller.signal.aborted && !res.destroyed) send(req, res, reply)
      })
  })
  // Consul's Go server sets no idle timeout: a kept-alive connection stays open until the client
  // closes it. Node's default (5 s) would reset a connection a paused client still counts on.
  server.keepAliveTimeout = 0
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  async function handle(req: IncomingMessage, signal: AbortSignal): Promise<Reply | undefined> {
    const method = req.method ?? 'GET'
    const url = req.url ?? '/'
    const queryAt = url.indexOf('?')
    const rawPath = queryAt === -1 ? url : url.slice(0, queryAt)
    const rawQuery = queryAt === -1 ? '' : url.slice(queryAt + 1)

    const interception = faults.intercept(method, rawPath)
    if (interception.delayMs > 0 && !(await sleep(interception.delayMs, signal))) return undefined
    if (interception.failure !== undefined)
      return textReply(interception.failure.status, interception.failure.body)

    const path = decodePath(rawPath)
    // Go's server rejects a request-URI it cannot parse before any handler runs.
    if (path === undefined) return textReply(400, '400 Bad Request', { Connection: 'close' })
    if (hasUnprintable(path)) return textReply(400, '')
    const clean = cleanPath(path)
    if (clean !== path) return redirect(method, clean, rawQuery)
    const match = matchRoute(path)
    if (match.kind === 'redirect') return redirect(method, match.to, rawQuery)
    if (match.kind === 'none') return indexReply(path)

    const wrapped = { 'X-Consul-Default-Acl-Policy': state.acl.defaultPolicy }
    // `wrap` parses the query first of all; Go's parser rejects what ours would skip.
    if (isMalformedGoQuery(rawQuery)) return textReply(500, '', wrapped)
    const allow = ['OPTIONS', ...match.route.methods].join(',')
    if (method === 'OPTIONS') return textReply(200, '', { ...wrapped, Allow: allow })
    if (!match.route.methods.includes(method)) {
      return textReply(405, `method ${method} not allowed`, { ...wrapped, Allow: allow })
    }
    const ctx: RequestContext = {
      method,
      path,
      query: parseGoQuery(rawQuery),
      header: headerReader(req),
      contentLength: contentLengthOf(req),
      readBody: bodyReader(req),
      signal,
    }
    try {
      const reply = await match.route.handler(ctx, state)
      return reply && { ...reply, headers: { ...reply.headers, ...wrapped } }
    } catch (error) {
      if (signal.aborted) return undefined
      if (error instanceof HttpError)
        return textReply(error.status, error.body, { ...error.headers, ...wrapped })
      throw error
    }
  }

  function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const onAbort = (): void => {
        timers.clear(timer)
        resolve(false)
      }
      const timer = timers.set(() => {
        signal.removeEventListener('abort', onAbort)
        resolve(!signal.aborted)
      }, ms)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = server.address()
  const port = typeof bound === 'object' && bound !== null ? bound.port : resolved.port
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host

  let closing: Promise<void> | undefined
  return {
    address: `http://${host}:${port}`,
    port,
    faults,
    checks: createChecks(store, sessionTimers),
    stats: () => ({
      watchers: store.hub.size,
      sessions: store.sessions.size,
      keys: store.kv.size,
      tombstones: store.kv.tombstones.size,
      lockDelays: store.lockDelays.size,
      timers: timers.size,
      sessionTimers: sessionTimers.size,
      connections: sockets.size,
      inflight: inflight.size,
      index: store.index,
    }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true
        server.close(() => resolve())
        for (const controller of inflight) controller.abort()
        inflight.clear()
        for (const socket of sockets) socket.destroy()
        sessionTimers.clear()
        timers.clearAll()
        store.hub.clear()
        store.lockDelays.clear()
      })
      return closing
    },
  }
}

/** `http.Redirect` with 301, as ServeMux answers a non-canonical path. */
function redirect(method: string, path: string, rawQuery: string): Reply {
  const location = escapePath(path) + (rawQuery === '' ? '' : `?${rawQuery}`)
  if (method !== 'GET' && method !== 'HEAD') return { status: 301, headers: { Location: location }, body: '' }
  const href = location
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&#34;')
    .replace(/'/g, '&#39;')
  return {
    status: 301,
    headers: { Location: location, 'Content-Type': 'text/html; charset=utf-8' },
    body: `<a href="${href}">Moved Permanently</a>.\n\n`,
  }
}

/** Writes a reply; bodies of 1400+ bytes are gzipped for clients that accept it (gziphandler). */
function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  let body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body
  const headers: Record<string, string> = { Vary: 'Accept-Encoding', ...reply.headers }
  const acceptsGzip = /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''))
  if (acceptsGzip && body.length >= GZIP_MIN_SIZE) {
    body = gzipSync(body)
    headers['Content-Encoding'] = 'gzip'
  }
  headers['Content-Length'] = String(body.length)
  if (reply.status >= 400 && headers['Content-Type'] === undefined && body.length > 0)
    headers['Content-Type'] = TEXT
  res.writeHead(reply.status, headers)
  res.end(req.method === 'HEAD' ? undefined : body)
}
