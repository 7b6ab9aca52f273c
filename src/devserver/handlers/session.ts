import type { Identity } from '../acl.js'
import { blockingQuery } from '../blocking.js'
import { type DevState, ensureLocalDatacenter } from '../devstate.js'
import { formatGoDuration, GoDurationError, HOUR, parseGoDuration } from '../go/duration.js'
import { GoJsonError } from '../go/json-decode.js'
import type { RequestContext } from '../http/context.js'
import { sessionJson } from '../http/json-shapes.js'
import { parseDcAndToken, parseQueryOptions, rejectEnterpriseMeta } from '../http/query.js'
import { HttpError, jsonReply, metaHeaders, type Reply, textReply } from '../http/reply.js'
import { compareKeys } from '../state/keys.js'
import { generateSessionId, type Session, type SessionBehavior, sessionKey } from '../state/sessions.js'
import { applyOrFail, SESSION_APPLY_FAILED } from './apply-error.js'
import { decodeSessionBody, defaultSessionDraft, fixupSessionChecks } from './session-body.js'

/** `/v1/session/*`: create, destroy, renew, info, node, list. */

const SESSION_TTL_MAX_NS = 24n * HOUR
/** Session create bodies have no limit in Consul; this only keeps a runaway client in check. */
const SESSION_BODY_LIMIT = 16 * 1024 * 1024

function idFrom(ctx: RequestContext, prefix: string, missing: string): string {
  const id = ctx.path.slice(prefix.length)
  if (id === '') throw new HttpError(400, missing)
  return id
}

export async function sessionCreate(ctx: RequestContext, state: DevState): Promise<Reply> {
  const { datacenter, token } = parseDcAndToken(ctx.query, ctx.header, state.datacenter)
  rejectEnterpriseMeta(ctx.query, ctx.header)
  const draft = defaultSessionDraft(state.nodeName)
  // Only a body with a positive Content-Length is decoded; a chunked body is ignored.
  if (ctx.contentLength > 0) {
    const body = await ctx.readBody(SESSION_BODY_LIMIT)
    try {
      decodeSessionBody(body, draft)
    } catch (error) {
      if (error instanceof GoJsonError || error instanceof GoDurationError) {
        throw new HttpError(400, `Request decode failed: ${error.message}`)
      }
      throw error
    }
  }
  fixupSessionChecks(draft)
  ensureLocalDatacenter(state, datacenter)
  // Session.Apply's checks, in order; all are 500s (RPC errors).
  if (draft.node === '') throw new HttpError(500, 'Must provide Node')
  const identity = state.acl.resolve(token)
  state.acl.require(identity, 'session', 'write', draft.node)
  if (draft.behavior === '') draft.behavior = 'release'
  if (draft.behavior !== 'release' && draft.behavior !== 'delete') {
    throw new HttpError(500, `Invalid Behavior setting '${draft.behavior}'`)
  }
  let ttlNs = 0n
  if (draft.ttl !== '') {
    try {
      ttlNs = parseGoDuration(draft.ttl)
    } catch (error) {
      if (error instanceof GoDurationError)
        throw new HttpError(500, `Session TTL '${draft.ttl}' invalid: ${error.message}`)
      throw error
    }
    if (ttlNs !== 0n && (ttlNs < state.sessionTTLMinNs || ttlNs > SESSION_TTL_MAX_NS)) {
      throw new HttpError(
        500,
        `Invalid Session TTL '${ttlNs}', must be between [${formatGoDuration(state.sessionTTLMinNs)}=${formatGoDuration(SESSION_TTL_MAX_NS)}]`,
      )
    }
  }
  let id = generateSessionId()
  while (state.store.getSession(id) !== undefined) id = generateSessionId()
  const { store } = state
  // State-store refusals (missing node or check, critical check) come back wrapped by Session.Apply.
  const session = applyOrFail(SESSION_APPLY_FAILED, () =>
    store.apply((index) =>
      store.insertSession(index, { ...draft, id, behavior: draft.behavior as SessionBehavior, ttlNs }),
    ),
  )
  state.sessionTimers.reset(session)
  return jsonReply({ ID: session.id })
}

export async function sessionDestroy(ctx: RequestContext, state: DevState): Promise<Reply> {
  const { datacenter, token } = parseDcAndToken(ctx.query, ctx.header, state.datacenter)
  rejectEnterpriseMeta(ctx.query, ctx.header)
  const id = idFrom(ctx, '/v1/session/destroy/', 'Missing session')
  ensureLocalDatacenter(state, datacenter)
  const identity = state.acl.resolve(token)
  const session = state.store.getSession(id)
  // Destroying an unknown session is a successful no-op, with no Raft write.
  if (session === undefined) return jsonReply(true)
  state.acl.require(identity, 'session', 'write', session.node)
  state.store.apply((index) => state.store.invalidateSession(index, session.id))
  return jsonReply(true)
}

export async function sessionRenew(ctx: RequestContext, state: DevState): Promise<Reply> {
  const options = parseQueryOptions(ctx.query, ctx.header, state.datacenter)
  rejectEnterpriseMeta(ctx.query, ctx.header)
  const id = idFrom(ctx, '/v1/session/renew/', 'Missing session')
  ensureLocalDatacenter(state, options.datacenter)
  const identity = state.acl.resolve(options.token)
  const session = state.store.getSession(id)
  if (session === undefined) return textReply(404, `Session id '${id}' not found`)
  state.acl.require(identity, 'session', 'write', session.node)
  // Renew is not a Raft write: no index is used; only the timer restarts.
  state.sessionTimers.reset(session)
  return jsonReply([sessionJson(session)])
}

type SessionRead = (state: DevState) => { sessions: Session[]; notFound?: boolean }

/**
 * Shared by info/list/node: blocking on the session table, ACL-filtered (never a 403 for
 * denied sessions), meta headers even on errors raised after the id check (Go's deferred
 * `setMeta` writes the zero QueryMeta).
 */
async function sessionRead(
  ctx: RequestContext,
  state: DevState,
  prefix: string | undefined,
  missing: string,
  read: (name: string) => SessionRead,
): Promise<Reply | undefined> {
  const options = parseQueryOptions(ctx.query, ctx.header, state.datacenter)
  rejectEnterpriseMeta(ctx.query, ctx.header)
  const name = prefix === undefined ? '' : idFrom(ctx, prefix, missing)
  let identity: Identity
  try {
    ensureLocalDatacenter(state, options.datacenter)
    identity = state.acl.resolve(options.token)
  } catch (error) {
    if (error instanceof HttpError) {
      throw new HttpError(error.status, error.body, metaHeaders({ index: 0, knownLeader: false }))
    }
    throw error
  }
  const evaluate = read(name)
  const result = await blockingQuery(
    { ...options, signal: ctx.signal, timers: state.timers },
    () => ({ ...evaluate(state), index: state.store.sessionsIndex }),
    (wake) => state.store.hub.watchSessions(wake),
  )
  if (result === undefined) return undefined
  const visible = result.sessions.filter((session) =>
    state.acl.allows(identity, 'session', 'read', session.node),
  )
  const headers = metaHeaders({
    index: result.index,
    filteredByAcls: options.token !== '' && visible.length !== result.sessions.length,
  })
  return jsonReply(visible.map(sessionJson), 200, headers)
}

const byId = (a: Session, b: Session): number => compareKeys(a.id, b.id)

export function sessionInfo(ctx: RequestContext, state: DevState): Promise<Reply | undefined> {
  return sessionRead(ctx, state, '/v1/session/info/', 'Missing session', (id) => (s) => {
    const session = s.store.getSession(id)
    return { sessions: session === undefined ? [] : [session], notFound: session === undefined }
  })
}

export function sessionList(ctx: RequestContext, state: DevState): Promise<Reply | undefined> {
  return sessionRead(ctx, state, undefined, '', () => (s) => ({
    sessions: [...s.store.sessions.values()].sort(byId),
  }))
}

export function sessionNode(ctx: RequestContext, state: DevState): Promise<Reply | undefined> {
  return sessionRead(ctx, state, '/v1/session/node/', 'Missing node name', (node) => (s) => ({
    sessions: [...s.store.sessions.values()]
      .filter((session) => sessionKey(session.node) === sessionKey(node))
      .sort(byId),
  }))
}
