/**
 * Fault injection for tests: scripted failures, added latency, dropped connections and
 * leader loss. Faults act before any request handling, like a flaky network or cluster in
 * front of the agent.
 */

/** Which requests a fault applies to. Both fields are optional; omitted means "any". */
export interface RequestMatcher {
  /** HTTP method, e.g. `'PUT'` (case-insensitive). */
  method?: string
  /** Raw request path prefix, e.g. `'/v1/session/renew/'`. The query string is not matched. */
  pathPrefix?: string
}

/** Options for {@link Faults.failNext}. */
export interface FailureOptions extends RequestMatcher {
  /** Status to answer with. Default `500`. */
  status?: number
  /** Plain-text body. Default `'No cluster leader'` (what a leaderless Consul says). */
  body?: string
}

/** Options for {@link Faults.latency}. */
export type LatencyOptions = RequestMatcher

/** The fault-injection API of a running dev server (`server.faults`). */
export interface Faults {
  /**
   * Answers the next `count` matching requests with `status`/`body` instead of handling them.
   * Rules are checked in the order they were added; each request consumes at most one.
   * @example server.faults.failNext(2, { method: 'PUT', pathPrefix: '/v1/session/renew/' })
   */
  failNext(count: number, options?: FailureOptions): void
  /**
   * Delays every matching request by `ms` before it is handled (rules add up). A client that
   * disconnects while delayed is simply dropped.
   * @example server.faults.latency(200, { pathPrefix: '/v1/kv/' })
   */
  latency(ms: number, options?: LatencyOptions): void
  /** Destroys every open client socket now, including in-flight blocking queries. */
  dropConnections(): void
  /**
   * Simulates losing the Raft leader: every request gets 500 `No cluster leader` and session
   * TTL timers stop (only a leader expires sessions) until {@link Faults.leaderRestored}.
   */
  leaderLoss(): void
  /** A leader is elected again; like Consul, every TTL session's timer restarts at full 2×TTL. */
  leaderRestored(): void
  /** Removes every `failNext` and `latency` rule and restores leadership if it was lost. */
  clear(): void
}

interface FailureRule {
  remaining: number
  readonly status: number
  readonly body: string
  readonly matcher: RequestMatcher
}

interface LatencyRule {
  readonly ms: number
  readonly matcher: RequestMatcher
}

/** What the server must do with a request before handling it. */
export interface Interception {
  readonly delayMs: number
  readonly failure?: { readonly status: number; readonly body: string }
}

function matches(matcher: RequestMatcher, method: string, path: string): boolean {
  if (matcher.method !== undefined && matcher.method.toUpperCase() !== method.toUpperCase()) return false
  return matcher.pathPrefix === undefined || path.startsWith(matcher.pathPrefix)
}

/** @internal The server-side state behind {@link Faults}. */
export class FaultInjector implements Faults {
  private failures: FailureRule[] = []
  private latencies: LatencyRule[] = []
  private leaderLost = false

  constructor(
    private readonly hooks: {
      readonly dropConnections: () => void
      readonly leaderChanged: (hasLeader: boolean) => void
    },
  ) {}

  get hasLeader(): boolean {
    return !this.leaderLost
  }

  failNext(count: number, options: FailureOptions = {}): void {
    if (!Number.isInteger(count) || count < 0)
      throw new RangeError('failNext: count must be a non-negative integer')
    const { status = 500, body = 'No cluster leader', ...matcher } = options
    this.failures.push({ remaining: count, status, body, matcher })
  }

  latency(ms: number, options: LatencyOptions = {}): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('latency: ms must be a non-negative number')
    this.latencies.push({ ms, matcher: { ...options } })
  }

  dropConnections(): void {
    this.hooks.dropConnections()
  }

  leaderLoss(): void {
    if (this.leaderLost) return
    this.leaderLost = true
    this.hooks.leaderChanged(false)
  }

  leaderRestored(): void {
    if (!this.leaderLost) return
    this.leaderLost = false
    this.hooks.leaderChanged(true)
  }

  clear(): void {
    this.failures = []
    this.latencies = []
    this.leaderRestored()
  }

  /** @internal Decides delay and scripted failure for one request. */
  intercept(method: string, path: string): Interception {
    let delayMs = 0
    for (const rule of this.latencies) if (matches(rule.matcher, method, path)) delayMs += rule.ms
    if (this.leaderLost) return { delayMs, failure: { status: 500, body: 'No cluster leader' } }
    const rule = this.failures.find(
      (candidate) => candidate.remaining > 0 && matches(candidate.matcher, method, path),
    )
    if (rule === undefined) return { delayMs }
    rule.remaining--
    this.failures = this.failures.filter((candidate) => candidate.remaining > 0)
    return { delayMs, failure: { status: rule.status, body: rule.body } }
  }
}
