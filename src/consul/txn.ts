/**
 * `consul.txn(ops)`: `PUT /v1/txn` with KV operations, applied atomically.
 */
import { InvalidOptionError } from '../errors.js'
import {
  asArrayOrEmpty,
  asObject,
  MalformedResponseError,
  parseJson,
  readInt,
  readString,
  stringifyJson,
} from './json.js'
import { checkKey, decodeKVPair, valueBytes } from './kv.js'
import type { TransportResponse } from './transport.js'
import type { KVPair, TxnError, TxnOp, TxnResult, TxnVerb, Uint64Input } from './types.js'
import { toUint64 } from './uint64.js'

/** Consul's limit on operations per transaction (older servers: 64). */
export const MAX_TXN_OPS = 128

/** What each verb carries: `v` value+flags, `i` index, `s` session. */
const VERB_FIELDS: Readonly<Record<TxnVerb, string>> = {
  set: 'v',
  cas: 'vi',
  lock: 'vs',
  unlock: 'vs',
  get: '',
  'get-or-empty': '',
  'get-tree': '',
  'check-index': 'i',
  'check-session': 's',
  'check-not-exists': '',
  delete: '',
  'delete-tree': '',
  'delete-cas': 'i',
}

/** Validates the operations and builds Consul's request body. @internal */
export function encodeTxnOps(ops: readonly TxnOp[]): Array<{ KV: Record<string, unknown> }> {
  if (!Array.isArray(ops)) throw new InvalidOptionError('ops', 'must be an array of operations')
  if (ops.length > MAX_TXN_OPS) {
    throw new InvalidOptionError(
      'ops',
      `a transaction holds at most ${MAX_TXN_OPS} operations, got ${ops.length}`,
    )
  }
  return ops.map((op: TxnOp, i) => {
    const at = `ops[${i}]`
    if (typeof op !== 'object' || op === null) throw new InvalidOptionError(at, 'must be an object')
    const fields = Object.hasOwn(VERB_FIELDS, op.verb) ? VERB_FIELDS[op.verb] : undefined
    if (fields === undefined)
      throw new InvalidOptionError(`${at}.verb`, `unknown KV verb '${String(op.verb)}'`)
    checkKey(op.key, `${at}.key`, op.verb === 'delete-tree' || op.verb === 'get-tree')
    const kv: Record<string, unknown> = { Verb: op.verb, Key: op.key }
    const loose = op as { value?: unknown; flags?: Uint64Input; index?: Uint64Input; session?: unknown }
    if (fields.includes('v')) {
      const bytes = valueBytes(loose.value, `${at}.value`)
      if (bytes !== undefined) kv.Value = Buffer.from(bytes).toString('base64')
      if (loose.flags !== undefined) kv.Flags = toUint64(loose.flags, `${at}.flags`)
    }
    if (fields.includes('i')) {
      if (loose.index === undefined)
        throw new InvalidOptionError(`${at}.index`, `is required for '${op.verb}'`)
      kv.Index = toUint64(loose.index, `${at}.index`)
    }
    if (fields.includes('s')) {
      if (typeof loose.session !== 'string' || loose.session === '') {
        throw new InvalidOptionError(`${at}.session`, `is required for '${op.verb}'`)
      }
      kv.Session = loose.session
    }
    return { KV: kv }
  })
}

/** Decodes a 200 or 409 txn answer. @internal */
export function decodeTxnResponse(response: TransportResponse): TxnResult {
  const body = asObject(parseJson(response.body.toString('utf8')), 'txn response')
  const results: KVPair[] = []
  for (const raw of asArrayOrEmpty(body.Results, 'Results')) {
    const result = asObject(raw, 'txn result')
    if (result.KV !== undefined && result.KV !== null) results.push(decodeKVPair(result.KV))
  }
  const errors: TxnError[] = asArrayOrEmpty(body.Errors, 'Errors').map((raw) => {
    const error = asObject(raw, 'txn error')
    return { opIndex: Number(readInt(error, 'OpIndex')), what: readString(error, 'What') }
  })
  const ok = response.status !== 409
  if (!ok && errors.length === 0) throw new MalformedResponseError('a 409 answer without Errors')
  return ok ? { ok, results, errors: [] } : { ok, results: [], errors }
}

/** The request body for `ops`, as JSON text. @internal */
export function txnBody(ops: readonly TxnOp[]): string {
  return stringifyJson(encodeTxnOps(ops))
}
