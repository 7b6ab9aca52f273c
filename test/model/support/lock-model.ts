/**
 * The lock machine as the shared model-based support sees it (`machine-model.ts`): the context
 * that decides its next step, its notifications, its fakes, what it must never leave behind and
 * what holds in every state.
 */
import { lockMachine } from '../../../machines/lock.machine.js'
import { type LockFakes, type LockSnapshot, startLock } from '../../support/lock-harness.js'
import { defineSessionModel, notificationSummary, sessionContextIdentity } from './session-machine.js'
import type { ModelPath, TimedSnapshot } from './timed-model.js'

type LockMachine = typeof lockMachine
export type LockModelSnapshot = TimedSnapshot<LockMachine>
export type LockModelPath = ModelPath<LockMachine>

/**
 * The context that decides what the lock does next: everything a guard or a delay of the machine
 * reads (so two paths merged into one model state go on alike). The backoff attempt is capped
 * where its delay stops growing; indexes only matter as inputs of the next read.
 */
function contextIdentity(context: LockSnapshot['context']) {
  return {
    ...sessionContextIdentity(context),
    freeAtIndex: String(context.freeAtIndex),
    backoffAttempt: Math.min(context.backoffAttempt, 3),
  }
}

export const LOCK = defineSessionModel<LockMachine, LockFakes>({
  id: 'lock',
  machine: lockMachine,
  contextIdentity,
  summary: notificationSummary,
  start: (input) => startLock(input),
  writes: new Set(['createSession', 'destroySession', 'acquireKey', 'releaseKey', 'deleteKey']),
  rejectedBy: 'acquireKey',
})
