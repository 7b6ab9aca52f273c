import { fromPromise } from 'xstate'
import type { TxnOp } from '../../src/consul/types.js'
import { ConsulError } from '../../src/errors.js'
import { LOCK_FLAG_VALUE } from '../flags.js'
import type { LockClient } from './lock-client.js'

export interface AcquireKeyInput {
  key: string
  session: string
  value: string | Uint8Array | null
  /**
   * The ModifyIndex at which the key was last read free (`null`: it did not exist). The acquire
   * only applies to that very version, so a key rewritten in between (say, with other flags) is
   * read and checked again instead of being overwritten.
   */
  expectedModifyIndex: bigint | null
}

export type AcquireOutcome =
  /** Held: the indexes of our own acquiring write (fencing material). */
  | { acquired: true; lockIndex: bigint; modifyIndex: bigint }
  /**
   * Not acquired. `holder` is the session holding the key when it was read right after (`null`:
   * nobody, so a lock-delay is in effect or the key changed), `index` that read's index.
   */
  | { acquired: false; holder: string | null; index: bigint }

/** Consul's texts for a session that cannot lock at all: retrying would never succeed. */
const UNUSABLE_SESSION = /invalid session|missing session/i

/** True for the error `acquireKey` rejects with when Consul refused the session itself. */
export function isSessionRejection(error: unknown): boolean {
  return error instanceof ConsulError && error.path === TXN_PATH && UNUSABLE_SESSION.test(error.body)
}

const TXN_PATH = '/v1/txn'

/**
 * One acquire attempt: a transaction `check-index` (or `check-not-exists`) + `lock` + `get`, so
 * the lock's indexes come from our own write, atomically. When Consul rolls it back, the key is
 * read once, without blocking, to tell "held by another" from "lock-delay" (as Go's `Lock`
 * does), because both look the same from the acquire alone.
 */
export const acquireKey = (client: LockClient) =>
  fromPromise<AcquireOutcome, AcquireKeyInput>(async ({ input, signal }) => {
    const { key, session, value, expectedModifyIndex } = input
    const check: TxnOp =
      expectedModifyIndex === null
        ? { verb: 'check-not-exists', key }
        : { verb: 'check-index', key, index: expectedModifyIndex }
    const result = await client.txn(
      [check, { verb: 'lock', key, session, value, flags: LOCK_FLAG_VALUE }, { verb: 'get', key }],
      { signal },
    )
    const written = result.results.at(-1)
    if (result.ok && written !== undefined) {
      return { acquired: true, lockIndex: written.lockIndex, modifyIndex: written.modifyIndex }
    }
    const unusable = result.errors.find((error) => UNUSABLE_SESSION.test(error.what))
    if (unusable !== undefined) {
      throw new ConsulError({ status: 409, body: unusable.what, method: 'PUT', path: TXN_PATH })
    }
    const { value: pair, meta } = await client.kv.get(key, { signal })
    return { acquired: false, holder: pair?.session ?? null, index: meta.lastIndex }
  })
