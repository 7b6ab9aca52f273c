/**
 * Where the demo runs and with which timings: the embedded dev server (short TTLs, so the crash
 * failover takes about five seconds), or the agent in `CONSUL_HTTP_ADDR` (Consul's minimum TTL
 * is 10 s, so the failover takes up to about 22 s there).
 */
import { randomUUID } from 'node:crypto'
import { formatGoDuration } from '../consul/duration.js'
import { startDevServer } from '../devserver/index.js'
import { Consul } from '../index.js'

export interface DemoSettings {
  /** Names this run's keys, sessions and processes: `consul-lock-demo-<8 hex>`. */
  runId: string
  /** What the workers get as `-http-addr`. */
  address: string
  /** For the heading: `embedded dev server` or `Consul agent`. */
  agent: string
  /** Whether the demo runs (and closes) its own dev server. */
  embedded: boolean
  sessionTTL: string
  lockDelay: string
  killGrace: string
  killGraceMs: number
  /** The longest the demo waits for any one thing to happen. */
  waitTimeoutMs: number
  /** The environment of the workers. */
  workerEnv: NodeJS.ProcessEnv
}

export interface DemoTarget {
  settings: DemoSettings
  consul: Consul
  /** Closes the client and the dev server, if the demo started one. */
  close(): Promise<void>
}

/** consul-lock's SIGTERM → SIGKILL grace for a child: the demo's children stop at once. */
const KILL_GRACE_MS = 2_000

const timings = (ttlMs: number, lockDelayMs: number) => ({
  sessionTTL: formatGoDuration(ttlMs),
  lockDelay: formatGoDuration(lockDelayMs),
  killGrace: formatGoDuration(KILL_GRACE_MS),
  killGraceMs: KILL_GRACE_MS,
  // A crash takes up to 2×TTL (session expiry) + lock-delay + the acquire backoff to fail over.
  waitTimeoutMs: 2 * ttlMs + lockDelayMs + 10_000,
})

export async function openTarget(env: NodeJS.ProcessEnv = process.env): Promise<DemoTarget> {
  const runId = `consul-lock-demo-${randomUUID().slice(0, 8)}`
  const agentAddress = env.CONSUL_HTTP_ADDR
  if (agentAddress) {
    // Consul's own minimum TTL is 10 s; the client and the workers read the token and TLS
    // settings from the same environment.
    const consul = new Consul({ env })
    const settings = {
      runId,
      address: agentAddress,
      agent: 'Consul agent',
      embedded: false,
      workerEnv: env,
      ...timings(10_000, 2_000),
    }
    return { settings, consul, close: () => consul.close() }
  }
  const server = await startDevServer({ port: 0, host: '127.0.0.1', sessionTTLMin: '1s' })
  // Nothing from the caller's environment (a token, TLS) may point the workers elsewhere.
  const workerEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('CONSUL_')))
  const consul = new Consul({ env: {}, address: server.address })
  const settings = {
    runId,
    address: server.address,
    agent: 'embedded dev server',
    embedded: true,
    workerEnv,
    // 2 s rather than the 1 s the server allows: a worker starved of CPU for half a TTL (a
    // loaded test machine) would lose its lock, as it should, and spoil the demo.
    ...timings(2_000, 1_000),
  }
  return {
    settings,
    consul,
    async close() {
      await consul.close()
      await server.close()
    },
  }
}
