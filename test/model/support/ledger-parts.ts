/**
 * Pieces of a replay's ledger (`machine-model.ts`) that several machines share: what the fake
 * Consul holds on a machine's behalf, and what its notifications promised so far. A machine's
 * ledger is `ledgerOf(...parts)`.
 */
import { expect } from 'vitest'
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate'
import { isSessionRejection } from '../../../machines/actors/acquire-key.js'
import type { Answer, Ledger, ReplayableFake } from './machine-model.js'

export interface LedgerPart {
  answered?(actor: string, input: unknown, answer: Answer): void
  check?(snapshot: AnyMachineSnapshot, emitted: readonly EventObject[], at: string): void
}

export function ledgerOf<TMachine extends AnyStateMachine>(...parts: LedgerPart[]): Ledger<TMachine> {
  return {
    answered: (actor, input, answer) => {
      for (const part of parts) part.answered?.(actor, input, answer)
    },
    check: (snapshot, emitted, at) => {
      for (const part of parts) part.check?.(snapshot, emitted as readonly EventObject[], at)
    },
  }
}

/**
 * Whenever the machine is idle, no session it created is left behind: each was destroyed, or
 * found gone (a renew's 404, or Consul refusing it to `rejectedBy`, the actor writing with it).
 */
export function sessionsDestroyed(rejectedBy?: string): LedgerPart {
  /** Sessions created, not yet destroyed (or found gone), in order. */
  const sessions: string[] = []
  const forget = (session: string | undefined) => {
    const at = session === undefined ? -1 : sessions.indexOf(session)
    if (at >= 0) sessions.splice(at, 1)
  }
  return {
    answered(actor, input, answer) {
      const { session } = input as { session?: string }
      // A destroy that fails is still the machine's last word on that session (it expires by TTL).
      if (actor === 'destroySession') forget(session)
      if (actor === rejectedBy && 'error' in answer && isSessionRejection(answer.error)) forget(session)
      if (!('output' in answer)) return
      if (actor === 'createSession') sessions.push((answer.output as { id: string }).id)
      if (actor === 'renewSession' && answer.output === null) forget(session)
    },
    check(snapshot, _emitted, at) {
      if (snapshot.hasTag('idle')) expect(sessions, `sessions left behind, ${at}`).toEqual([])
    },
  }
}

/**
 * The `held` tag and the notifications agree: while held, exactly one `<topic>.acquired` since
 * the last `<topic>.lost` or `<topic>.released`; never two; none left open once idle.
 */
export function oneAcquiredPerHold(topic: string): LedgerPart {
  let open = 0
  return {
    check(snapshot, emitted, at) {
      for (const { type } of emitted) {
        if (type === `${topic}.acquired`) open += 1
        if (type === `${topic}.lost` || type === `${topic}.released`) open = 0
        expect(open, `${topic}.acquired twice without a loss or release between, ${at}`).toBeLessThanOrEqual(
          1,
        )
      }
      if (snapshot.hasTag('held')) expect(open, `held, so acquired once, ${at}`).toBe(1)
      if (snapshot.hasTag('idle')) expect(open, `idle, so nothing left acquired, ${at}`).toBe(0)
    },
  }
}

/**
 * A Consul write in flight is never aborted: the server may apply it anyway, so only its answer
 * tells what there is to clean up. Unless the session was just found gone (a renew's 404): what
 * the write did with it is undone with the session. (`fakes` are the machine's, `writes` the
 * names of the writers.)
 */
export function writesNeverAbandoned(fakes: object, writes: ReadonlySet<string>): LedgerPart {
  const writers = Object.entries(fakes as Record<string, ReplayableFake>).filter(([name]) => writes.has(name))
  const seen = new Set<unknown>()
  let sessionGone = false
  return {
    answered(actor, _input, answer) {
      sessionGone = actor === 'renewSession' && 'output' in answer && answer.output === null
    },
    check(_snapshot, _emitted, at) {
      for (const [name, fake] of writers) {
        const abandoned = fake.calls.filter((call) => call.signal.aborted && !call.settled && !seen.has(call))
        for (const call of abandoned) seen.add(call)
        if (!sessionGone) expect(abandoned, `${name} aborted while in flight, ${at}`).toEqual([])
      }
      sessionGone = false
    },
  }
}
