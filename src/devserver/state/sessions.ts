/** Session rows (`structs.Session`) and the Go-style session ids. */

import { randomBytes } from 'node:crypto'

export type SessionBehavior = 'release' | 'delete'

export interface ServiceCheckRef {
  readonly id: string
  readonly namespace: string
}

export interface Session {
  /** Lowercase `8-4-4-4-12` hex. */
  readonly id: string
  readonly name: string
  readonly node: string
  /** Nanoseconds, as submitted (capped to 60 s only when applied). */
  readonly lockDelayNs: bigint
  readonly behavior: SessionBehavior
  /** The TTL string exactly as submitted (`''` when none). */
  readonly ttl: string
  /** Parsed TTL; 0 means the session never expires by time. */
  readonly ttlNs: bigint
  /** `null` is Go's nil slice (JSON `null`); `[]` stays `[]`. */
  readonly nodeChecks: readonly string[] | null
  readonly serviceChecks: readonly ServiceCheckRef[] | null
  /** Deprecated `Checks`, `omitempty`: `null` or empty is omitted from JSON. */
  readonly checks: readonly string[] | null
  readonly createIndex: number
  readonly modifyIndex: number
}

/** Every check the session depends on, legacy `Checks` first (`Session.CheckIDs`). */
export function sessionCheckIds(session: Omit<Session, 'id' | 'createIndex' | 'modifyIndex'>): string[] {
  return [
    ...(session.checks ?? []),
    ...(session.nodeChecks ?? []),
    ...(session.serviceChecks ?? []).map((check) => check.id),
  ]
}

/** go-uuid's `GenerateUUID`: 16 random bytes formatted 8-4-4-4-12, no RFC 4122 version bits. */
export function generateSessionId(): string {
  const hex = randomBytes(16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Sessions are looked up case-insensitively (the state store lowercases ids). */
export function sessionKey(id: string): string {
  return id.toLowerCase()
}
