import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll } from 'vitest'
import { type DevServer, type DevServerOptions, startDevServer } from '../../src/devserver/index.js'

/**
 * Where integration tests send their requests: the embedded dev server by default, or the real
 * Consul agent named by `CONSUL_HTTP_ADDR` (with `CONSUL_HTTP_TOKEN` when its ACLs are on).
 */
export interface ConsulTarget {
  /** Base URL, e.g. `http://127.0.0.1:8500`. */
  address: string
  /** The token to send, if any (the management token in ACL mode). */
  token: string | undefined
  /** The dev server, for fault injection; `undefined` against a real Consul. */
  server: DevServer | undefined
  /** The smallest session TTL the target accepts, in milliseconds. */
  minTTLms: number
  close(): Promise<void>
}

/** True when the suite runs against a real agent; dev-server-only tests skip on it. */
export const againstRealConsul = Boolean(process.env.CONSUL_HTTP_ADDR)

/**
 * Timeout for a test that waits out session TTLs: a real agent's minimum TTL is 10 s and a
 * session may live 2×TTL, where the dev server's lowered minimum keeps it under a second.
 */
export const ttlTestTimeoutMs = againstRealConsul ? 75_000 : 20_000

function normaliseAddress(address: string): string {
  return /^[a-z]+:\/\//i.test(address) ? address.replace(/\/+$/, '') : `http://${address}`
}

export async function startTarget(options: DevServerOptions = {}): Promise<ConsulTarget> {
  const real = process.env.CONSUL_HTTP_ADDR
  if (real) {
    return {
      address: normaliseAddress(real),
      token: process.env.CONSUL_HTTP_TOKEN || undefined,
      server: undefined,
      minTTLms: 10_000,
      close: async () => {},
    }
  }
  const server = await startDevServer({ port: 0, host: '127.0.0.1', sessionTTLMin: '200ms', ...options })
  return {
    address: server.address,
    token: options.aclToken,
    server,
    minTTLms: 200,
    close: () => server.close(),
  }
}

/**
 * The target of the calling test file: started before its first test, closed after its last.
 * The returned object reads through to it, so it can be passed around from the start.
 */
export function useTarget(options: DevServerOptions = {}): ConsulTarget {
  let started: ConsulTarget | undefined
  beforeAll(async () => {
    started = await startTarget(options)
  })
  afterAll(() => started?.close())
  const current = (): ConsulTarget => {
    if (!started) throw new Error('useTarget: used outside a test (before beforeAll ran)')
    return started
  }
  return {
    get address() {
      return current().address
    },
    get token() {
      return current().token
    },
    get server() {
      return current().server
    },
    get minTTLms() {
      return current().minTTLms
    },
    close: () => current().close(),
  }
}

/** A key prefix no other test (or earlier run against a real agent) uses. */
export function uniquePrefix(label = 'test'): string {
  return `consul-lock-machine-test/${label}-${randomUUID().slice(0, 8)}`
}

/**
 * Resolves once the target holds at least `count` blocking queries, so a test can act on a
 * query that is known to be waiting server-side. The dev server counts them; a real agent
 * cannot be asked, so there a fixed grace period for the request to arrive stands in.
 */
export async function blockingQueriesHeld(target: ConsulTarget, count = 1): Promise<void> {
  const server = target.server
  if (!server) return new Promise((resolve) => setTimeout(resolve, 250))
  while (server.stats().watchers < count) await new Promise((resolve) => setImmediate(resolve))
}

/** Tracks whether a promise has settled yet, without changing what it resolves to. */
export function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false
  promise.then(
    () => {
      settled = true
    },
    () => {
      settled = true
    },
  )
  return () => settled
}
