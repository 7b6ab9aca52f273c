import { HttpError } from '../http/reply.js'
import { StateError } from '../state/store.js'

/**
 * Since Consul 1.11 `raftApply` hands an FSM error back as an error, and each RPC endpoint
 * wraps it before it reaches `wrap` (a 500 with the text):
 * `KVS.Apply` → `raft apply failed: %w` (agent/consul/kvs_endpoint.go),
 * `Session.Apply` → `apply failed: %w` (agent/consul/session_endpoint.go).
 * Txn errors are not affected: the txn FSM returns them inside its response.
 */
export const KVS_APPLY_FAILED = 'raft apply failed: '
export const SESSION_APPLY_FAILED = 'apply failed: '

/** Runs an apply; a `StateError` becomes the endpoint's 500 with `prefix` before the text. */
export function applyOrFail<T>(prefix: string, fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof StateError) throw new HttpError(500, prefix + error.message)
    throw error
  }
}
