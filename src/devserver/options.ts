import { hostname } from 'node:os'
import { durationOption, SECOND } from './go/duration.js'

/** Options of {@link startDevServer}. Every field is optional. */
export interface DevServerOptions {
  /** TCP port. Default `8500`; `0` picks a free ephemeral port (see `server.address`). */
  port?: number
  /** Interface to bind. Default `'127.0.0.1'` (loopback only) — bind wider only on purpose. */
  host?: string
  /**
   * Turns ACLs on with default policy `deny`; this token is the management token (allowed
   * everything). Requests without a token act as the anonymous token and are denied.
   * Default: ACLs off, every request allowed.
   * @example startDevServer({ aclToken: 'root-secret' })
   */
  aclToken?: string
  /**
   * The smallest session TTL accepted (Consul's `session_ttl_min`), as a Go duration string
   * or milliseconds. Default `'10s'`. Lower it for fast tests.
   * @example startDevServer({ sessionTTLMin: '200ms' })
   */
  sessionTTLMin?: string | number
  /** The agent's node name (sessions' default `Node`). Default `os.hostname()`. */
  nodeName?: string
  /** The agent's datacenter. Default `'dc1'`; `?dc=` naming any other gets a 500. */
  datacenter?: string
  /**
   * @internal How long a KV tombstone lives before it is reaped (ms). Default 15 min, like
   * Consul's `tombstone_ttl`. Lowered by tests.
   */
  tombstoneTTL?: number
  /** @internal How often the tombstone reaper runs (ms). Default 30 s (`tombstone_ttl` granularity). */
  tombstoneReapInterval?: number
}

export interface ResolvedOptions {
  readonly port: number
  readonly host: string
  readonly aclToken: string | undefined
  readonly sessionTTLMinNs: bigint
  readonly nodeName: string
  readonly datacenter: string
  readonly tombstoneTTLms: number
  readonly tombstoneReapIntervalMs: number
}

export function resolveOptions(options: DevServerOptions): ResolvedOptions {
  const port = options.port ?? 8500
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`Invalid port ${port}`)
  return {
    port,
    host: options.host ?? '127.0.0.1',
    aclToken: options.aclToken === '' ? undefined : options.aclToken,
    sessionTTLMinNs:
      options.sessionTTLMin === undefined
        ? 10n * SECOND
        : durationOption(options.sessionTTLMin, 'sessionTTLMin'),
    nodeName: options.nodeName ?? hostname(),
    datacenter: options.datacenter ?? 'dc1',
    tombstoneTTLms: options.tombstoneTTL ?? 15 * 60_000,
    tombstoneReapIntervalMs: options.tombstoneReapInterval ?? 30_000,
  }
}
