/**
 * consul-lock-machine: the public API. An explicit export list, no `export *`.
 */

export { createLockMachine, lockMachine } from '../machines/index.js'
export type { LockOptions } from '../machines/lock.options.js'
export type { LockNotification, LockTag } from '../machines/lock.types.js'
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
} from './errors.js'
export {
  type AcquireOptions,
  type Lease,
  Lock,
  type LockActorOptions,
  type TryAcquireOptions,
} from './lock.js'
