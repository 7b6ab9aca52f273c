/**
 * The Consul HTTP client: explicit export list.
 */
export { nextWaitIndex } from './blocking.js'
export { Consul } from './client.js'
export type { ConsulOptions, ConsulTLSOptions } from './config.js'
export type { Duration } from './duration.js'
export type { KVEndpoint } from './kv.js'
export type { SessionEndpoint } from './session.js'
export type {
  CallOptions,
  DeleteOptions,
  KeysOptions,
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
} from './types.js'
