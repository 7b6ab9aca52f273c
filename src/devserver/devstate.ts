import type { Acl } from './acl.js'
import { HttpError } from './http/reply.js'
import type { SessionTimers } from './state/session-timers.js'
import type { Store } from './state/store.js'
import type { Timers } from './timers.js'

/** What every handler needs: the store, ACLs, timers and the agent's fixed settings. */
export interface DevState {
  readonly store: Store
  readonly acl: Acl
  readonly timers: Timers
  readonly sessionTimers: SessionTimers
  readonly datacenter: string
  readonly nodeName: string
  /** `session_ttl_min` in ns. */
  readonly sessionTTLMinNs: bigint
  /** Tells handlers the agent is shutting down (blocking queries must not start). */
  readonly closing: () => boolean
}

/** Consul's `kv_max_value_size` and `txn_max_req_len` defaults. */
export const KV_MAX_VALUE_SIZE = 524_288
export const TXN_MAX_REQ_LEN = 524_288

/** RPC forwarding to another datacenter fails: a dev agent knows no other. */
export function ensureLocalDatacenter(state: DevState, datacenter: string): void {
  if (datacenter !== state.datacenter) throw new HttpError(500, 'No path to datacenter')
}
