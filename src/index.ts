/**
 * consul-lock-machine: the public API. An explicit export list, no `export *`.
 */

export {
  createLockMachine,
  createSemaphoreMachine,
  lockMachine,
  semaphoreMachine,
} from '../machines/index.js'
export type { LockOptions } from '../machines/lock.options.js'
export type { LockNotification, LockTag } from '../machines/lock.types.js'
export type { SemaphoreOptions } from '../machines/semaphore.options.js'
export type { SemaphoreNotification, SemaphoreTag } from '../machines/semaphore.types.js'
export { Consul } from './client.js'
export type {
  CallOptions,
  ConsulOptions,
  ConsulTLSOptions,
  DeleteOptions,
  Duration,
  KeysOptions,
  KVEndpoint,
  KVPair,
  KVValueInput,
  LockWriteOptions,
  PutOptions,
  QueryMeta,
  ReadOptions,
  ReadResult,
  ServiceCheck,
  SessionBehavior,
  SessionCreateOptions,
  SessionEndpoint,
  SessionEntry,
  TxnCasOp,
  TxnCheckIndexOp,
  TxnCheckNotExistsOp,
  TxnCheckSessionOp,
  TxnDeleteCasOp,
  TxnDeleteOp,
  TxnError,
  TxnGetOp,
  TxnLockOp,
  TxnOp,
  TxnResult,
  TxnSetOp,
  TxnUnlockOp,
  TxnVerb,
  Uint64Input,
} from './consul/index.js'
export { nextWaitIndex } from './consul/index.js'
export {
  type CampaignOptions,
  Election,
  type ElectionOptions,
  type LeaderInfo,
  type LeaderWork,
  type ObserveOptions,
  type RunOptions,
} from './election.js'
export {
  ClientClosedError,
  ConsulError,
  ConsulLockMachineError,
  ConsulTransportError,
  InvalidOptionError,
  isRetryable,
  LockConflictError,
  LockHeldError,
  LockInUseError,
  LockLostError,
  type LockLostReason,
  LockNotHeldError,
  NotLeaderError,
  SemaphoreConflictError,
  SemaphoreHeldError,
  SemaphoreInUseError,
  SemaphoreLimitError,
  SemaphoreLostError,
  type SemaphoreLostReason,
  SemaphoreNotHeldError,
} from './errors.js'
export {
  type AcquireOptions,
  type Lease,
  Lock,
  type LockActorOptions,
  type TryAcquireOptions,
} from './lock.js'
export { Semaphore, type SemaphoreActorOptions, type SemaphoreLease } from './semaphore.js'
