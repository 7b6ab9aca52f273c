/**
 * Fenced writes: a Consul transaction that applies only while a session still holds a key.
 * The check runs inside the transaction, so there is no gap between "still ours?" and the
 * write for a pause to fall into (Kleppmann's paused holder): the server decides atomically.
 */
import { MAX_TXN_OPS } from './consul/txn.js'
import type { CallOptions, TxnOp, TxnResult } from './consul/types.js'
import { InvalidOptionError } from './errors.js'

/** The one call a fenced transaction needs. */
export interface TxnClient {
  txn(ops: readonly TxnOp[], options?: CallOptions): Promise<TxnResult>
}

/** The key whose holder guards the writes, and what to reject with once it is not ours. */
export interface Fence {
  key: string
  session: string
  /** The lease's `lost` signal: once aborted, nothing is sent and its reason is thrown. */
  lost: AbortSignal
  /** The error to reject with when the server's check fails (the lease may not know yet). */
  lostError: () => Promise<Error>
}

/**
 * Runs `ops` in one transaction after a `check-session` of `fence.key`. Resolves with the
 * result of `ops` alone (results and error positions as if the check were not there); rejects
 * with `fence.lostError()` when the check failed, so none of `ops` was applied.
 */
export async function fencedTxn(
  client: TxnClient,
  fence: Fence,
  ops: readonly TxnOp[],
  options: CallOptions = {},
): Promise<TxnResult> {
  if (!Array.isArray(ops)) throw new InvalidOptionError('ops', 'must be an array of operations')
  if (ops.length >= MAX_TXN_OPS) {
    throw new InvalidOptionError(
      'ops',
      `a fenced transaction holds at most ${MAX_TXN_OPS - 1} operations (one is the session check), got ${ops.length}`,
    )
  }
  fence.lost.throwIfAborted()
  const check: TxnOp = { verb: 'check-session', key: fence.key, session: fence.session }
  const result = await client.txn([check, ...ops], options)
  if (result.ok) return { ok: true, results: result.results.slice(1), errors: [] }
  if (result.errors.some((error) => error.opIndex === 0)) {
    throw fence.lost.aborted ? fence.lost.reason : await fence.lostError()
  }
  return {
    ok: false,
    results: [],
    errors: result.errors.map((error) => ({ ...error, opIndex: error.opIndex - 1 })),
  }
}
