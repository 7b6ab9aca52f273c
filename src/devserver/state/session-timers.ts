import { nsToMs } from '../go/duration.js'
import type { Timers } from '../timers.js'
import type { Session } from './sessions.js'

/**
 * Session TTL timers, run by the leader only. A timer lasts 2×TTL (`SessionTTLMultiplier`)
 * from create or the last renew. When leadership is lost they stop; when it returns every
 * TTL session starts again at a full 2×TTL, as on a Consul leader election.
 */
export class SessionTimers {
  private readonly handles = new Map<string, NodeJS.Timeout>()
  private running = true

  constructor(
    private readonly timers: Timers,
    private readonly expire: (id: string) => void,
  ) {}

  get size(): number {
    return this.handles.size
  }

  /** Starts or restarts the session's timer (no-op for sessions without a TTL). */
  reset(session: Session): void {
    if (session.ttlNs <= 0n || !this.running) return
    this.stop(session.id)
    const handle = this.timers.set(
      () => {
        this.handles.delete(session.id)
        this.expire(session.id)
      },
      nsToMs(session.ttlNs * 2n),
    )
    this.handles.set(session.id, handle)
  }

  stop(id: string): void {
    this.timers.clear(this.handles.get(id))
    this.handles.delete(id)
  }

  /** Leadership lost: nobody expires sessions until a leader is back. */
  pause(): void {
    this.running = false
    for (const id of [...this.handles.keys()]) this.stop(id)
  }

  /** Leadership regained: every TTL session gets a fresh 2×TTL. */
  resume(sessions: Iterable<Session>): void {
    this.running = true
    for (const session of sessions) this.reset(session)
  }

  clear(): void {
    for (const id of [...this.handles.keys()]) this.stop(id)
  }
}
