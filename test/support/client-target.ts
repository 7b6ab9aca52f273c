import { afterAll, beforeAll } from 'vitest'
import { Consul } from '../../src/client.js'
import type { ConsulOptions } from '../../src/consul/config.js'
import { type ConsulTarget, startTarget, uniquePrefix } from './consul-target.js'

/**
 * A client for an integration target (dev server or real agent) that ignores the process
 * environment, so `CONSUL_HTTP_ADDR` selects the target but cannot change the client's options.
 */
export function clientFor(target: ConsulTarget, options: ConsulOptions = {}): Consul {
  return new Consul({ env: {}, address: target.address, token: target.token, ...options })
}

export interface ClientSuite {
  readonly target: ConsulTarget
  readonly consul: Consul
  /** A key prefix of this suite alone; everything under it is deleted afterwards. */
  readonly prefix: string
  /** Registers a session to destroy after the suite (a real agent keeps what tests leave). */
  track(id: string): string
}

/**
 * Starts a target and a client for the calling test file, and afterwards removes the keys
 * under the suite's prefix, destroys the tracked sessions and closes both.
 */
export function useClientSuite(label: string): ClientSuite {
  let target: ConsulTarget | undefined
  let consul: Consul | undefined
  const sessions: string[] = []
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useClientSuite: used outside a test (before beforeAll ran)')
    return value
  }
  beforeAll(async () => {
    target = await startTarget()
    consul = clientFor(target)
  })
  afterAll(async () => {
    if (consul) {
      await consul.kv.delete(`${suite.prefix}/`, { recurse: true })
      for (const id of sessions) await consul.session.destroy(id)
      await consul.close()
    }
    await target?.close()
  })
  const suite: ClientSuite = {
    get target() {
      return ready(target)
    },
    get consul() {
      return ready(consul)
    },
    prefix: uniquePrefix(label),
    track(id) {
      sessions.push(id)
      return id
    },
  }
  return suite
}
