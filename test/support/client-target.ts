import { Consul } from '../../src/consul/client.js'
import type { ConsulOptions } from '../../src/consul/config.js'
import type { ConsulTarget } from './consul-target.js'

/**
 * A client for an integration target (dev server or real agent) that ignores the process
 * environment, so `CONSUL_HTTP_ADDR` selects the target but cannot change the client's options.
 */
export function clientFor(target: ConsulTarget, options: ConsulOptions = {}): Consul {
  return new Consul({ env: {}, address: target.address, token: target.token, ...options })
}
