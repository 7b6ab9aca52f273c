/**
 * The fakes of the session actors every session-backed machine (lock, semaphore) invokes.
 */
import type { CreatedSession, CreateSessionInput } from '../../machines/actors/create-session.js'
import type { DestroySessionInput } from '../../machines/actors/destroy-session.js'
import type { RenewedSession, RenewSessionInput } from '../../machines/actors/renew-session.js'
import { type FakeActor, fakeActor } from './machine-harness.js'

export interface SessionFakes {
  createSession: FakeActor<CreateSessionInput, CreatedSession>
  renewSession: FakeActor<RenewSessionInput, RenewedSession | null>
  destroySession: FakeActor<DestroySessionInput, void>
}

/** Fresh fakes for the session actors. */
export function createSessionFakes(): SessionFakes {
  return {
    createSession: fakeActor('createSession'),
    renewSession: fakeActor('renewSession'),
    destroySession: fakeActor('destroySession'),
  }
}
