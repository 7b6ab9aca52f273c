import { WatchHub } from '../watch.js'
import { KvTable } from './kv.js'
import { LockDelays } from './lock-delay.js'
import { type Session, sessionCheckIds, sessionKey } from './sessions.js'

/** A failure inside an apply (Consul's FSM/state-store errors): HTTP 500 with this text. */
export class StateError extends Error {
  override readonly name = 'StateError'
}

export type CheckStatus = 'passing' | 'warning' | 'critical'

/** Consul caps every session's lock-delay at 60 s when it is applied (`MaxLockDelay`). */
const MAX_LOCK_DELAY_MS = 60_000

/**
 * The single-node "Raft log + state store". One global index is shared by every table; each
 * `apply` consumes exactly one index whether or not it changes anything (a failed CAS still
 * costs an index), like a Raft apply. Validation that happens before Raft in Consul must
 * happen before calling `apply`.
 */
export class Store {
  /** The last Raft index used. */
  index = 0
  readonly kv = new KvTable()
  readonly sessions = new Map<string, Session>()
  /** Highest index that modified the sessions table. */
  sessionsIndex = 0
  readonly checks = new Map<string, CheckStatus>()
  readonly lockDelays = new LockDelays()
  readonly hub = new WatchHub()
  private sessionsDirty = false
  /** Called for every session removed, so its TTL timer can be dropped. */
  onSessionRemoved: (id: string) => void = () => {}

  constructor(readonly nodeName: string) {
    // A fresh agent has already used indexes for its own node and serfHealth check.
    this.apply(() => {})
    this.apply(() => this.checks.set('serfHealth', 'passing'))
  }

  /** Runs `fn` as one Raft apply at a new index, then wakes the blocking queries it affected. */
  apply<T>(fn: (index: number) => T): T {
    this.index++
    try {
      return fn(this.index)
    } finally {
      this.notify()
    }
  }

  private notify(): void {
    const keys = this.kv.takeChanged()
    if (keys.length > 0) this.hub.keysChanged(keys)
    if (this.sessionsDirty) {
      this.sessionsDirty = false
      this.hub.sessionsChanged()
    }
  }

  getSession(id: string): Session | undefined {
    return this.sessions.get(sessionKey(id))
  }

  /** `sessionCreateTxn`: the node and every linked check must exist and not be critical. */
  insertSession(index: number, session: Omit<Session, 'createIndex' | 'modifyIndex'>): Session {
    if (session.node !== this.nodeName) throw new StateError('Missing node registration')
    for (const checkId of sessionCheckIds(session)) {
      const status = this.checks.get(checkId)
      if (status === undefined) throw new StateError(`Missing check '${checkId}' registration`)
      if (status === 'critical') throw new StateError(`Check '${checkId}' is in critical state`)
    }
    const row: Session = { ...session, createIndex: index, modifyIndex: index }
    this.sessions.set(sessionKey(row.id), row)
    this.sessionsIndex = index
    this.sessionsDirty = true
    return row
  }

  /**
   * Session invalidation (destroy, TTL expiry, critical check) in the current apply: the row
   * goes; held keys are released (LockIndex kept) or deleted per Behavior; each such key gets
   * a lock-delay of min(LockDelay, 60 s).
   */
  invalidateSession(index: number, id: string): void {
    const session = this.getSession(id)
    if (session === undefined) return
    this.sessions.delete(sessionKey(id))
    this.sessionsIndex = index
    this.sessionsDirty = true
    const delayMs = Math.min(Number(session.lockDelayNs) / 1e6, MAX_LOCK_DELAY_MS)
    const now = Date.now()
    const held = [...this.kv.all()].filter((entry) => sessionKey(entry.session) === session.id)
    for (const entry of held) {
      if (session.behavior === 'delete') this.kv.delete(index, entry.key)
      else this.kv.write(index, { ...entry, session: '' })
      if (delayMs > 0) this.lockDelays.set(entry.key, now, delayMs)
    }
    this.onSessionRemoved(session.id)
  }

  /** Sessions that depend on `checkId`. */
  sessionsLinkedTo(checkId: string): Session[] {
    return [...this.sessions.values()].filter((session) => sessionCheckIds(session).includes(checkId))
  }
}
