/**
 * Fenced writes: a Consul transaction that applies only while a session still holds a key.
 * The check runs inside the transaction, so there is no gap between "still ours?" and the
 * write for a pause to fall into (Kleppmann's paused holder): the server decides atomically.
 */
import { MAX_TXN_OPS } from './consul/txn.js'
import type { CallOptions, TxnError, TxnOp, TxnResult } from './consul/types.js'
import { ConsulError, InvalidOptionError, type LockLostReason } from './errors.js'

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
  lostError: (reason: FenceFailure) => Error
}

/** Why Consul's `check-session` failed, as a lock loses its key. */
export type FenceFailure = Extract<LockLostReason, 'key-deleted' | 'session-invalidated' | 'taken'>

const TXN_PATH = '/v1/txn'

/**
 * What a failed `check-session` means, from Consul's own text (`failed to check session, key
 * "k" doesn't exist`; `failed session check for key "k", current session "" != "s"`), so no
 * second request is needed; `null` for any other failure (an ACL denial, say), which says
 * nothing about who holds the key.
 */
function fenceFailure(error: TxnError): FenceFailure | null {
  if (/failed to check session, key .* doesn't exist/.test(error.what)) return 'key-deleted'
  if (/failed session check for key .*, current session "" != /.test(error.what)) return 'session-invalidated'
  if (/failed session check for key /.test(error.what)) return 'taken'
  return null
}

/**
 * Runs `ops` in one transaction after a `check-session` of `fence.key`. Resolves with the
 * result of `ops` alone (results and error positions as if the check were not there); rejects
 * with `fence.lostError(reason)` when the check failed, so none of `ops` was applied, and with a
 * `ConsulError` when the check could not run at all.
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
  const checkError = result.errors.find((error) => error.opIndex === 0)
  if (checkError !== undefined) {
    const failure = fenceFailure(checkError)
    if (failure === null)
      throw new ConsulError({ status: 409, body: checkError.what, method: 'PUT', path: TXN_PATH })
    throw fence.lost.aborted ? fence.lost.reason : fence.lostError(failure)
  }
  return {
    ok: false,
    results: [],
    errors: result.errors.map((error) => ({ ...error, opIndex: error.opIndex - 1 })),
  }
}
