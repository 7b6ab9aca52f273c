/**
 * The statecharts and their actors: explicit export list.
 */
export type { AcquireKeyInput, AcquireOutcome } from './actors/acquire-key.js'
export type { CreatedSession, CreateSessionInput } from './actors/create-session.js'
export type { DeleteKeyInput } from './actors/delete-key.js'
export type { DestroySessionInput } from './actors/destroy-session.js'
export { createLockActors, type LockActors, type LockClient } from './actors/index.js'
export type { KeyRead, ReadKeyInput } from './actors/read-key.js'
export type { ReleaseKeyInput } from './actors/release-key.js'
export type { RenewedSession, RenewSessionInput } from './actors/renew-session.js'
export { createLockMachine, type LockMachine } from './create-lock-machine.js'
export { LOCK_FLAG_VALUE, SEMAPHORE_FLAG_VALUE } from './flags.js'
export { lockMachine } from './lock.machine.js'
export {
  DEFAULT_LOCK_RETRY_TIME,
  DEFAULT_LOCK_SESSION_NAME,
  DEFAULT_LOCK_SESSION_TTL,
  DEFAULT_LOCK_WAIT_TIME,
  DEFAULT_MONITOR_RETRY_TIME,
  type LockOptions,
  type LockSettings,
  resolveLockOptions,
} from './lock.options.js'
export type {
  LockCommand,
  LockContext,
  LockEvent,
  LockNotification,
  LockSignal,
  LockTag,
} from './lock.types.js'
