/**
 * The statecharts and their actors: explicit export list.
 */
export type { AcquireContenderInput } from './actors/acquire-contender.js'
export type { AcquireKeyInput, AcquireOutcome } from './actors/acquire-key.js'
export type { CreatedSession, CreateSessionInput } from './actors/create-session.js'
export type { DeleteContenderInput } from './actors/delete-contender.js'
export type { DeleteKeyInput } from './actors/delete-key.js'
export type { DestroySessionInput } from './actors/destroy-session.js'
export {
  createLockActors,
  createSemaphoreActors,
  type LockActors,
  type LockClient,
  type SemaphoreActors,
} from './actors/index.js'
export type { ListPrefixInput, PrefixListing } from './actors/list-prefix.js'
export type { KeyRead, ReadKeyInput } from './actors/read-key.js'
export type { ReleaseKeyInput } from './actors/release-key.js'
export type { RenewedSession, RenewSessionInput } from './actors/renew-session.js'
export type { WriteRecordInput } from './actors/write-record.js'
export { createLockMachine, type LockMachine } from './create-lock-machine.js'
export { createSemaphoreMachine, type SemaphoreMachine } from './create-semaphore-machine.js'
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
export { semaphoreMachine } from './semaphore.machine.js'
export {
  DEFAULT_SEMAPHORE_SESSION_NAME,
  DEFAULT_SEMAPHORE_SESSION_TTL,
  DEFAULT_SEMAPHORE_WAIT_TIME,
  resolveSemaphoreOptions,
  type SemaphoreOptions,
  type SemaphoreSettings,
} from './semaphore.options.js'
export type {
  SemaphoreCommand,
  SemaphoreContext,
  SemaphoreEvent,
  SemaphoreNotification,
  SemaphoreSignal,
  SemaphoreTag,
} from './semaphore.types.js'
export { SEMAPHORE_RECORD_NAME, type SemaphoreRecord } from './semaphore-record.js'
export type {
  AcquireRequest,
  SessionContext,
  SessionSettings,
  SessionSignal,
} from './session-lifecycle.types.js'
