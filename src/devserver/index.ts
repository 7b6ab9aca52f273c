/**
 * `consul-lock-machine/devserver`: a Consul-compatible single-node server for tests and local
 * development, with fault injection. Implements `reference/consul-api.md`; shares no code with
 * the client in `src/consul/`.
 */
export type { CheckStatus, Checks } from './checks.js'
export type { FailureOptions, Faults, LatencyOptions, RequestMatcher } from './faults.js'
export type { DevServerOptions } from './options.js'
export type { DevServer, DevServerStats } from './server.js'
export { startDevServer } from './server.js'
