import type { Identity } from '../acl.js'
import { blockingQuery } from '../blocking.js'
import { type DevState, ensureLocalDatacenter, KV_MAX_VALUE_SIZE } from '../devstate.js'
import { GoStrconvError, parseUint64 } from '../go/strconv.js'
import type { RequestContext } from '../http/context.js'
import { kvEntryJson } from '../http/json-shapes.js'
import { readLimitedBody } from '../http/limited-body.js'
import {
  encodeGoQuery,
  parseQueryOptions,
  type QueryOptions,
  queryGet,
  rejectEnterpriseMeta,
} from '../http/query.js'
import { HttpError, jsonReply, metaHeaders, type Reply, textReply } from '../http/reply.js'
import type { KvEntry } from '../state/kv.js'
import { kvCas, kvDeleteCas, kvLock, kvSet, kvUnlock } from '../state/kv-ops.js'
import { applyOrFail, KVS_APPLY_FAILED } from './apply-error.js'

/** `/v1/kv/<key>`: GET (single, raw, recurse, keys), PUT (set, cas, acquire, release), DELETE. */

const PREFIX = '/v1/kv/'
const KV_SIZE_DOC = 'https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size'

export async function kvEndpoint(ctx: RequestContext, state: DevState): Promise<Reply | undefined> {
  // parse() runs before method dispatch, so its 400s apply to PUT and DELETE too.
  const options = parseQueryOptions(ctx.query, ctx.header, state.datacenter)
  rejectEnterpriseMeta(ctx.query, ctx.header)
  const key = ctx.path.slice(PREFIX.length)
  if (ctx.method === 'GET')
    return ctx.query.has('keys') ? getKeys(ctx, state, options, key) : get(ctx, state, options, key)
  if (ctx.method === 'PUT') return put(ctx, state, options, key)
  return remove(ctx, state, options, key)
}

function missingKey(key: string): void {
  if (key === '') throw new HttpError(400, 'Missing key name')
}

/** More than one of `flags` present → 400 with the (sorted, encoded) query string. */
function rejectConflictingFlags(ctx: RequestContext, flags: readonly string[]): void {
  if (flags.filter((flag) => ctx.query.has(flag)).length > 1) {
    throw new HttpError(400, `Conflicting flags: ${encodeGoQuery(ctx.query)}`)
  }
}

/** `strconv.ParseUint` failures surface as 500s with Go's text (they are returned as errors). */
function uintParam(ctx: RequestContext, name: string): bigint {
  try {
    return parseUint64(queryGet(ctx.query, name))
  } catch (error) {
    if (error instanceof GoStrconvError) throw new HttpError(500, error.message)
    throw error
  }
}

function filterReadable(state: DevState, identity: Identity, keys: readonly string[]): boolean[] {
  return keys.map((key) => state.acl.allows(identity, 'key', 'read', key))
}

async function get(
  ctx: RequestContext,
  state: DevState,
  options: QueryOptions,
  key: string,
): Promise<Reply | undefined> {
  if (ctx.query.has('recurse')) return getTree(ctx, state, options, key)
  missingKey(key)
  ensureLocalDatacenter(state, options.datacenter)
  const identity = state.acl.resolve(options.token)
  state.acl.require(identity, 'key', 'read', key)
  const { kv, hub } = state.store
  const result = await blockingQuery(
    { ...options, signal: ctx.signal, timers: state.timers },
    () => {
      const entry = kv.get(key)
      return { entry, index: entry?.modifyIndex ?? kv.maxIndex(), notFound: entry === undefined }
    },
    (wake) => hub.watchKey(key, wake),
  )
  if (result === undefined) return undefined
  const headers = metaHeaders({ index: result.index })
  if (result.entry === undefined) return textReply(404, '', headers)
  if (ctx.query.has('raw')) return rawReply(result.entry, headers)
  return jsonReply([kvEntryJson(result.entry)], 200, headers)
}

/** `?recurse`: every entry under the prefix (`?raw` is ignored), 404 when there is none. */
async function getTree(
  ctx: RequestContext,
  state: DevState,
  options: QueryOptions,
  prefix: string,
): Promise<Reply | undefined> {
  const listed = await readPrefix(ctx, state, options, prefix)
  if (listed === undefined) return undefined
  const { entries, headers } = listed
  if (entries.length === 0) return textReply(404, '', headers)
  return jsonReply(
    entries.map((entry) => kvEntryJson(entry)),
    200,
    headers,
  )
}

/**
 * The blocking prefix read shared by `?recurse` and `?keys`: entries under `prefix` that the
 * token may read (KVS.List and KVS.ListKeys both filter by ACL before anything else), and the
 * meta headers, or `undefined` when the client went away.
 */
async function readPrefix(
  ctx: RequestContext,
  state: DevState,
  options: QueryOptions,
  prefix: string,
): Promise<{ entries: KvEntry[]; headers: Record<string, string> } | undefined> {
  ensureLocalDatacenter(state, options.datacenter)
  const identity = state.acl.resolve(options.token)
  const { kv, hub } = state.store
  const result = await blockingQuery(
    { ...options, signal: ctx.signal, timers: state.timers },
    () => {
      const entries = kv.list(prefix)
      return { entries, index: kv.prefixIndex(prefix, entries) }
    },
    (wake) => hub.watchPrefix(prefix, wake),
  )
  if (result === undefined) return undefined
  const readable = filterReadable(
    state,
    identity,
    result.entries.map((entry) => entry.key),
  )
  const entries = result.entries.filter((_, i) => readable[i])
  const headers = metaHeaders({
    index: result.index,
    filteredByAcls: options.token !== '' && entries.length !== result.entries.length,
  })
  return { entries, headers }
}

/** `?raw`: the stored bytes as `text/plain`, sandboxed so a browser never runs them. */
function rawReply(entry: KvEntry, headers: Record<string, string>): Reply {
  return {
    status: 200,
    headers: {
      ...headers,
      'Content-Type': 'text/plain',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': 'sandbox',
    },
    body: entry.value ?? Buffer.alloc(0),
  }
}

/**
 * `KVSListKeys`: keys under the prefix, each cut after the first separator that follows the
 * prefix. De-duplication compares with the last *cut* key only, exactly as Consul does.
 */
function listKeys(entries: readonly KvEntry[], prefix: string, separator: string): string[] {
  const keys: string[] = []
  let last = ''
  for (const entry of entries) {
    if (separator === '') {
      keys.push(entry.key)
      continue
    }
    const at = entry.key.indexOf(separator, prefix.length)
    if (at === -1) {
      keys.push(entry.key)
      continue
    }
    const cut = entry.key.slice(0, at + separator.length)
    if (cut !== last) {
      keys.push(cut)
      last = cut
    }
  }
  return keys
}

async function getKeys(
  ctx: RequestContext,
  state: DevState,
  options: QueryOptions,
  prefix: string,
): Promise<Reply | undefined> {
  // The historic misspelling is still honoured; `separator` wins when both are given.
  const separator = queryGet(ctx.query, 'separator') || queryGet(ctx.query, 'seperator')
  const listed = await readPrefix(ctx, state, options, prefix)
  if (listed === undefined) return undefined
  const { entries, headers } = listed
  const keys = listKeys(entries, prefix, separator)
  if (keys.length === 0 && prefix !== '') return textReply(404, '', headers)
  return jsonReply(keys, 200, headers)
}

type PutOp =
  | { readonly op: 'set' }
  | { readonly op: 'cas'; readonly cas: bigint }
  | { readonly op: 'lock' | 'unlock'; readonly session: string }

async function put(ctx: RequestContext, state: DevState, options: QueryOptions, key: string): Promise<Reply> {
  missingKey(key)
  rejectConflictingFlags(ctx, ['cas', 'acquire', 'release'])
  const flags = ctx.query.has('flags') ? uintParam(ctx, 'flags') : 0n
  let operation: PutOp = { op: 'set' }
  if (ctx.query.has('cas')) operation = { op: 'cas', cas: uintParam(ctx, 'cas') }
  if (ctx.query.has('acquire')) operation = { op: 'lock', session: queryGet(ctx.query, 'acquire') }
  if (ctx.query.has('release')) operation = { op: 'unlock', session: queryGet(ctx.query, 'release') }
  const body = await readLimitedBody(ctx, KV_MAX_VALUE_SIZE, KV_SIZE_DOC)
  const write = { key, value: body.length === 0 ? null : body, flags }

  ensureLocalDatacenter(state, options.datacenter)
  const identity = state.acl.resolve(options.token)
  state.acl.require(identity, 'key', 'write', key)
  const { store } = state
  // Lock-delay is checked on the leader before Raft: refused without using an index.
  if (operation.op === 'lock' && store.lockDelays.isDelayed(key, Date.now())) return jsonReply(false)
  // FSM errors (`missing session`, `invalid session "…"`) come back wrapped by KVS.Apply.
  const applied = applyOrFail(KVS_APPLY_FAILED, () =>
    store.apply((index) => {
      switch (operation.op) {
        case 'set':
          return kvSet(store, index, write) !== undefined
        case 'cas':
          return kvCas(store, index, write, operation.cas) !== undefined
        case 'lock':
          return kvLock(store, index, write, operation.session) !== undefined
        case 'unlock':
          return kvUnlock(store, index, write, operation.session) !== undefined
      }
    }),
  )
  return jsonReply(operation.op === 'set' ? true : applied)
}

async function remove(
  ctx: RequestContext,
  state: DevState,
  options: QueryOptions,
  key: string,
): Promise<Reply> {
  rejectConflictingFlags(ctx, ['recurse', 'cas'])
  const recurse = ctx.query.has('recurse')
  if (!recurse) missingKey(key)
  const cas = ctx.query.has('cas') ? uintParam(ctx, 'cas') : undefined
  ensureLocalDatacenter(state, options.datacenter)
  const identity = state.acl.resolve(options.token)
  state.acl.require(identity, 'key', 'write', key)
  const { store } = state
  const deleted = applyOrFail(KVS_APPLY_FAILED, () =>
    store.apply((index) => {
      if (cas !== undefined) return kvDeleteCas(store, index, key, cas)
      if (recurse) store.kv.deleteTree(index, key)
      else store.kv.delete(index, key)
      return true
    }),
  )
  return jsonReply(cas === undefined ? true : deleted)
}
