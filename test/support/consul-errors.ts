/**
 * The Consul failures the lock tests make fake actors fail with, each as Consul words it.
 * Whether the lock retries one depends on its status (5xx and 429 are retryable, see
 * `ConsulError.retryable`); a 409 of the acquire txn naming the session is a session rejection.
 */
import { ConsulError } from '../../src/errors.js'

/** 403: the ACL token lacks the permission (not retryable). */
export const permissionDenied = (method: string, path: string) =>
  new ConsulError({ status: 403, body: 'Permission denied', method, path })

/** 500: the server failed the request (retryable). */
export const rpcError = (method: string, path: string) =>
  new ConsulError({ status: 500, body: 'rpc error', method, path })

/** 500 during an election (retryable). */
export const noClusterLeader = (method: string, path: string) =>
  new ConsulError({ status: 500, body: 'No cluster leader', method, path })

/**
 * 409 from `path` with `body`; from the acquire txn (the default) with a body naming the session,
 * it is a session rejection: the session is gone on the server.
 */
export const sessionRejection = (body = 'invalid session', path = '/v1/txn') =>
  new ConsulError({ status: 409, body, method: 'PUT', path })
