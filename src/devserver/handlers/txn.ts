import type { AccessLevel, Identity } from '../acl.js'
import { type DevState, ensureLocalDatacenter, KV_MAX_VALUE_SIZE, TXN_MAX_REQ_LEN } from '../devstate.js'
import { GoJsonError } from '../go/json-decode.js'
import type { GoJsonValue } from '../go/json-encode.js'
import { goQuote } from '../go/quote.js'
import type { RequestContext } from '../http/context.js'
import { kvEntryJson } from '../http/json-shapes.js'
import { readLimitedBody } from '../http/limited-body.js'
import { parseDcAndToken, parseQueryOptions } from '../http/query.js'
import { HttpError, jsonReply, type Reply } from '../http/reply.js'
import type { KvEntry } from '../state/kv.js'
import { kvCas, kvDeleteCas, kvLock, kvSet, kvUnlock } from '../state/kv-ops.js'
import { StateError, type Store } from '../state/store.js'
import { decodeTxnOps, type TxnKvOp } from './txn-body.js'

/** `PUT /v1/txn`: KV operations applied atomically (one apply, all-or-nothing). */

const MAX_TXN_OPS = 128
const TXN_LEN_DOC = 'https://www.consul.io/docs/agent/config/config-files#txn_max_req_len'
const WRITE_VERBS = new Set(['set', 'delete', 'delete-cas', 'delete-tree', 'cas', 'lock', 'unlock'])

/** `structs.TxnError` (a type alias so it is assignable to a JSON object). */
type TxnError = {
  readonly OpIndex: number
  readonly What: string
}

/** One op's outcome: result rows (KV entries) or an error text. */
interface OpOutcome {
  readonly results: ReadonlyArray<{ entry: KvEntry; withValue: boolean }>
  readonly error?: string
}

async function readOps(ctx: RequestContext): Promise<TxnKvOp[]> {
  const limit = Math.max(TXN_MAX_REQ_LEN, KV_MAX_VALUE_SIZE)
  const body = await readLimitedBody(ctx, limit, TXN_LEN_DOC)
  let decoded: ReturnType<typeof decodeTxnOps>
  try {
    decoded = decodeTxnOps(body)
  } catch (error) {
    if (error instanceof GoJsonError) throw new HttpError(400, `Failed to parse body: ${error.message}`)
    throw error
  }
  if (decoded.length > MAX_TXN_OPS) {
    throw new HttpError(413, `Transaction contains too many operations (${decoded.length} > ${MAX_TXN_OPS})`)
  }
  const ops: TxnKvOp[] = []
  for (const op of decoded) {
    if (op.kind === 'catalog') {
      throw new HttpError(400, `dev server: ${op.member} operations in transactions are not supported`)
    }
    const size = op.kv.value?.length ?? 0
    if (size > KV_MAX_VALUE_SIZE) {
      throw new HttpError(
        413,
        `Value for key ${goQuote(op.kv.key)} is too large (${size} > ${KV_MAX_VALUE_SIZE} bytes)`,
      )
    }
    ops.push(op.kv)
  }
  return ops
}

/** The ACL level `kvsPreApply` requires per verb (`undefined`: filtered on output instead). */
function requiredLevel(verb: string): AccessLevel | undefined {
  if (verb === 'get' || verb === 'get-tree') return undefined
  if (verb === 'check-session' || verb === 'check-index') return 'read'
  return 'write'
}

/** Checks done before Raft for every op; all errors are collected. */
function preCheck(state: DevState, identity: Identity, ops: readonly TxnKvOp[]): TxnError[] {
  const errors: TxnError[] = []
  ops.forEach((op, i) => {
    if (op.key === '' && op.verb !== 'delete-tree') {
      errors.push({ OpIndex: i, What: 'Must provide key' })
      return
    }
    const level = requiredLevel(op.verb)
    if (level !== undefined && !state.acl.allows(identity, 'key', level, op.key)) {
      errors.push({ OpIndex: i, What: state.acl.denial('key', level, op.key) })
      return
    }
    if (op.verb === 'lock' && state.store.lockDelays.isDelayed(op.key, Date.now())) {
      errors.push({ OpIndex: i, What: `failed to lock key ${goQuote(op.key)} due to lock delay` })
    }
  })
  return errors
}

/** `txnKVS`: runs one op against the store (inside an apply for writes). */
function runOp(store: Store, index: number, op: TxnKvOp): OpOutcome {
  const q = goQuote(op.key)
  const write = { key: op.key, value: op.value, flags: op.flags }
  const one = (entry: KvEntry, withValue = false): OpOutcome => ({ results: [{ entry, withValue }] })
  const none: OpOutcome = { results: [] }
  const failed = (error: string): OpOutcome => ({ results: [], error })
  try {
    switch (op.verb) {
      case 'set':
        return one(kvSet(store, index, write))
      case 'cas': {
        const entry = kvCas(store, index, write, op.index)
        return entry ? one(entry) : failed(`failed to set key ${q}, index is stale`)
      }
      case 'lock': {
        const entry = kvLock(store, index, write, op.session)
        return entry ? one(entry) : failed(`failed to lock key ${q}, lock is already held`)
      }
      case 'unlock': {
        const entry = kvUnlock(store, index, write, op.session)
        return entry
          ? one(entry)
          : failed(`failed to unlock key ${q}, lock isn't held, or is held by another session`)
      }
      case 'get': {
        const entry = store.kv.get(op.key)
        return entry ? one(entry, true) : failed(`key ${q} doesn't exist`)
      }
      case 'get-or-empty': {
        // A missing key echoes the op's own entry (key, flags, session, index) with no value.
        const entry = store.kv.get(op.key) ?? {
          key: op.key,
          value: null,
          flags: op.flags,
          session: op.session,
          lockIndex: 0,
          createIndex: 0,
          modifyIndex: Number(op.index),
        }
        return one(entry, true)
      }
      case 'get-tree':
        return { results: store.kv.list(op.key).map((entry) => ({ entry, withValue: true })) }
      case 'check-index': {
        const entry = store.kv.get(op.key)
        if (entry === undefined) return failed(`failed to check index, key ${q} doesn't exist`)
        if (BigInt(entry.modifyIndex) !== op.index) {
          return failed(
            `failed index check for key ${q}, current modify index ${entry.modifyIndex} != ${op.index}`,
          )
        }
        return one(entry)
      }
      case 'check-session': {
        const entry = store.kv.get(op.key)
        if (entry === undefined) return failed(`failed to check session, key ${q} doesn't exist`)
        if (entry.session !== op.session) {
          return failed(
            `failed session check for key ${q}, current session ${goQuote(entry.session)} != ${goQuote(op.session)}`,
          )
        }
        return one(entry)
      }
      case 'check-not-exists':
        return store.kv.get(op.key) === undefined ? none : failed(`key ${q} exists`)
      case 'delete':
        store.kv.delete(index, op.key)
        return none
      case 'delete-tree':
        store.kv.deleteTree(index, op.key)
        return none
      case 'delete-cas':
        return kvDeleteCas(store, index, op.key, op.index)
          ? none
          : failed(`failed to delete key ${q}, index is stale`)
      default:
        return failed(`unknown KV verb ${goQuote(op.verb)}`)
    }
  } catch (error) {
    if (error instanceof StateError) return failed(error.message)
    throw error
  }
}

/** Runs every op; returns results, or every error (results discarded) when any op failed. */
function runAll(
  store: Store,
  index: number,
  ops: readonly TxnKvOp[],
): { results: GoJsonValue[]; errors: TxnError[] } {
  const results: GoJsonValue[] = []
  const errors: TxnError[] = []
  ops.forEach((op, i) => {
    const outcome = runOp(store, index, op)
    if (outcome.error !== undefined) errors.push({ OpIndex: i, What: outcome.error })
    for (const { entry, withValue } of outcome.results) results.push({ KV: kvEntryJson(entry, withValue) })
  })
  return { results, errors }
}

/** Drops results whose key the caller may not read (`FilterTxnResults`). */
function filterResults(state: DevState, identity: Identity, results: GoJsonValue[]): GoJsonValue[] {
  return results.filter((result) => {
    const key = ((result as { KV: { Key: string } }).KV as { Key: string }).Key
    return state.acl.allows(identity, 'key', 'read', key)
  })
}

/** The `QueryMeta` fields a `TxnReadResponse` carries in its body (they are promoted in Go). */
interface ReadMeta {
  readonly index: number
  readonly knownLeader: boolean
  readonly filteredByAcls: boolean
}

const UNSET_META: ReadMeta = { index: 0, knownLeader: false, filteredByAcls: false }

/** What `SetQueryMeta` fills in on the leader: known leader, index never below 1. */
function leaderMeta(filteredByAcls: boolean): ReadMeta {
  return { index: 1, knownLeader: true, filteredByAcls }
}

/** The read path sets only LastContact and KnownLeader as headers (no blocking, no index). */
function readReply(status: number, body: Record<string, GoJsonValue>, meta: ReadMeta): Reply {
  return jsonReply(
    {
      ...body,
      Index: meta.index,
      LastContact: 0,
      KnownLeader: meta.knownLeader,
      ConsistencyLevel: '',
      NotModified: false,
      Backend: 0,
      ResultsFilteredByACLs: meta.filteredByAcls,
    },
    status,
    { 'X-Consul-Lastcontact': '0', 'X-Consul-Knownleader': String(meta.knownLeader) },
  )
}

function conflict(body: Record<string, GoJsonValue>): Reply {
  return jsonReply(body, 409)
}

export async function txnEndpoint(ctx: RequestContext, state: DevState): Promise<Reply> {
  const ops = await readOps(ctx)
  const { store } = state
  const writes = ops.filter((op) => WRITE_VERBS.has(op.verb)).length

  if (writes === 0) {
    // Read-only fast path: full parse(), no Raft, no blocking; QueryMeta fields in the body.
    const options = parseQueryOptions(ctx.query, ctx.header, state.datacenter)
    ensureLocalDatacenter(state, options.datacenter)
    const identity = state.acl.resolve(options.token)
    const preErrors = preCheck(state, identity, ops)
    // Txn.Read returns before SetQueryMeta when a pre-check fails, so that reply carries a
    // zero QueryMeta: no known leader, index 0 (agent/consul/txn_endpoint.go).
    if (preErrors.length > 0) return readReply(409, { Results: null, Errors: [...preErrors] }, UNSET_META)
    const { results, errors } = runAll(store, store.index, ops)
    if (errors.length > 0) return readReply(409, { Results: null, Errors: [...errors] }, leaderMeta(false))
    const visible = filterResults(state, identity, results)
    const filtered = visible.length !== results.length && options.token !== ''
    return readReply(200, { Results: visible, Errors: null }, leaderMeta(filtered))
  }

  const { datacenter, token } = parseDcAndToken(ctx.query, ctx.header, state.datacenter)
  ensureLocalDatacenter(state, datacenter)
  const identity = state.acl.resolve(token)
  const preErrors = preCheck(state, identity, ops)
  if (preErrors.length > 0) return conflict({ Results: null, Errors: [...preErrors] })
  // One apply, one index, for the whole transaction; any failing op rolls everything back.
  const outcome = store.apply((index) => {
    store.kv.begin()
    const ran = runAll(store, index, ops)
    if (ran.errors.length > 0) store.kv.rollback()
    else store.kv.commit()
    return ran
  })
  if (outcome.errors.length > 0) return conflict({ Results: null, Errors: [...outcome.errors] })
  return jsonReply({ Results: filterResults(state, identity, outcome.results), Errors: null })
}
