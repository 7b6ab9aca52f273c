import type { DevState } from '../devstate.js'
import { kvEndpoint } from '../handlers/kv.js'
import {
  sessionCreate,
  sessionDestroy,
  sessionInfo,
  sessionList,
  sessionNode,
  sessionRenew,
} from '../handlers/session.js'
import { txnEndpoint } from '../handlers/txn.js'
import type { RequestContext } from './context.js'
import type { Reply } from './reply.js'

/** A handler answers with a reply, or `undefined` when the client went away first. */
export type Handler = (ctx: RequestContext, state: DevState) => Promise<Reply | undefined>

export interface Route {
  readonly pattern: string
  /** A pattern ending in `/` matches its whole subtree, as in `http.ServeMux`. */
  readonly methods: readonly string[]
  readonly handler: Handler
}

/** The endpoints of consul-api.md §1.1 and their allowed methods. */
export const ROUTES: readonly Route[] = [
  { pattern: '/v1/kv/', methods: ['GET', 'PUT', 'DELETE'], handler: kvEndpoint },
  { pattern: '/v1/txn', methods: ['PUT'], handler: txnEndpoint },
  { pattern: '/v1/session/create', methods: ['PUT'], handler: sessionCreate },
  { pattern: '/v1/session/destroy/', methods: ['PUT'], handler: sessionDestroy },
  { pattern: '/v1/session/renew/', methods: ['PUT'], handler: sessionRenew },
  { pattern: '/v1/session/info/', methods: ['GET'], handler: sessionInfo },
  { pattern: '/v1/session/node/', methods: ['GET'], handler: sessionNode },
  { pattern: '/v1/session/list', methods: ['GET'], handler: sessionList },
]

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: Route }
  | { readonly kind: 'redirect'; readonly to: string }
  | { readonly kind: 'none' }

/**
 * `http.ServeMux` matching on a cleaned path: exact patterns, else the longest subtree
 * pattern; a path equal to a subtree pattern minus its slash redirects to it.
 */
export function matchRoute(path: string): RouteMatch {
  let best: Route | undefined
  for (const route of ROUTES) {
    const subtree = route.pattern.endsWith('/')
    if (subtree ? path.startsWith(route.pattern) : path === route.pattern) {
      if (best === undefined || route.pattern.length > best.pattern.length) best = route
    }
  }
  if (best !== undefined) return { kind: 'route', route: best }
  if (ROUTES.some((route) => route.pattern === `${path}/`)) return { kind: 'redirect', to: `${path}/` }
  return { kind: 'none' }
}
