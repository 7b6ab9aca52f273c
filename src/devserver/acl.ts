import { goQuote } from './go/quote.js'
import { HttpError } from './http/reply.js'

/**
 * ACLs as a dev server needs them: off by default (every request allowed); with `aclToken`
 * set, default-deny with exactly two identities — that token (management, allowed
 * everything) and the anonymous token (allowed nothing). Tokens are compared, never logged
 * or echoed.
 */

export type Resource = 'key' | 'session'
export type AccessLevel = 'read' | 'write' | 'list'

export type Identity = { readonly kind: 'management' } | { readonly kind: 'anonymous' }

/** The anonymous token's well-known secret; sending it explicitly is allowed. */
const ANONYMOUS_SECRET = 'anonymous'

export class Acl {
  constructor(private readonly managementToken: string | undefined) {}

  get enabled(): boolean {
    return this.managementToken !== undefined
  }

  /** `X-Consul-Default-ACL-Policy`. */
  get defaultPolicy(): 'allow' | 'deny' {
    return this.enabled ? 'deny' : 'allow'
  }

  /** Resolves a request token; an unknown secret is a 403 `ACL not found`. */
  resolve(token: string): Identity {
    if (!this.enabled || token === this.managementToken) return { kind: 'management' }
    if (token === '' || token === ANONYMOUS_SECRET) return { kind: 'anonymous' }
    throw new HttpError(403, 'ACL not found')
  }

  allows(identity: Identity, _resource: Resource, _level: AccessLevel, _name: string): boolean {
    return identity.kind === 'management'
  }

  /** `acl.PermissionDeniedError` text for a denied check (only the anonymous token is ever denied). */
  denial(resource: Resource, level: AccessLevel, name: string): string {
    return (
      `Permission denied: anonymous token lacks permission '${resource}:${level}' on ${goQuote(name)}. ` +
      'The anonymous token is used implicitly when a request does not specify a token.'
    )
  }

  /** Throws the 403 when `identity` may not do `resource:level` on `name`. */
  require(identity: Identity, resource: Resource, level: AccessLevel, name: string): void {
    if (!this.allows(identity, resource, level, name))
      throw new HttpError(403, this.denial(resource, level, name))
  }
}
