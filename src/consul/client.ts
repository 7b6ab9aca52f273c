/**
 * `new Consul(options)`: the client. It owns one keep-alive connection pool (unless given a
 * `dispatcher`) and exposes `kv`, `session` and `txn`.
 */
import { inspect } from 'node:util'
import { type ConsulOptions, resolveConfig } from './config.js'
import { KVEndpoint } from './kv.js'
import { SessionEndpoint } from './session.js'
import { Transport } from './transport.js'
import { decodeTxnResponse, txnBody } from './txn.js'
import type { CallOptions, TxnOp, TxnResult } from './types.js'

/**
 * A Consul HTTP API client for KV, sessions and transactions.
 *
 * Options default from the environment variables Consul's own tools read (`CONSUL_HTTP_ADDR`,
 * `CONSUL_HTTP_TOKEN`, …) and are validated here, so a bad option throws an
 * `InvalidOptionError` from the constructor, before any request.
 *
 * @example
 * ```ts
 * const consul = new Consul() // CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, … or http://127.0.0.1:8500
 * const id = await consul.session.create({ ttl: '15s' })
 * if (await consul.kv.acquire('service/leader', id, 'node-a')) console.log('leader')
 * await consul.close()
 * ```
 */
export class Consul {
  /** The KV store: `get`, `list`, `keys`, `put`, `acquire`, `release`, `delete`. */
  readonly kv: KVEndpoint
  /** Sessions: `create`, `renew`, `destroy`, `info`, `list`, `node`. */
  readonly session: SessionEndpoint
  readonly #transport: Transport
  readonly #address: string

  constructor(options: ConsulOptions = {}) {
    const config = resolveConfig(options)
    this.#address = config.displayAddress
    this.#transport = new Transport(config, options.dispatcher)
    this.kv = new KVEndpoint(this.#transport)
    this.session = new SessionEndpoint(this.#transport)
  }

  /** The agent's address, e.g. `http://127.0.0.1:8500` or `unix:///run/consul.sock`. */
  get address(): string {
    return this.#address
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#transport.closed
  }

  /**
   * Applies KV operations atomically (`PUT /v1/txn`). Resolves `{ ok: true, results }` when all
   * were applied, or `{ ok: false, errors }` when Consul rolled the transaction back (a 409);
   * other failures reject.
   *
   * @example
   * ```ts
   * const { ok, results, errors } = await consul.txn([
   *   { verb: 'lock', key: 'service/leader', session: id, value: 'node-a', flags: 0x2ddccbc058a50c18n },
   *   { verb: 'get', key: 'service/leader' },
   * ])
   * ```
   */
  async txn(ops: readonly TxnOp[], options: CallOptions = {}): Promise<TxnResult> {
    const body = txnBody(ops)
    return this.#transport.request({
      method: 'PUT',
      path: '/v1/txn',
      body,
      signal: options.signal,
      accept: [409],
      decode: decodeTxnResponse,
    })
  }

  /**
   * Closes the client: requests in flight (blocking reads included) reject at once with
   * `ClientClosedError`, later calls too, and the owned connection pool is closed (a
   * `dispatcher` passed in is left open). Nothing is released or destroyed on the server:
   * destroy your sessions first. Idempotent; resolves once the pool's sockets are closed.
   *
   * @example
   * ```ts
   * process.once('SIGTERM', async () => {
   *   await consul.session.destroy(id)
   *   await consul.close()
   * })
   * ```
   */
  close(): Promise<void> {
    return this.#transport.close()
  }

  toString(): string {
    return `Consul(${this.#address})`
  }

  /** Shows the address only: the token is never printed. */
  [inspect.custom](): string {
    return `Consul { address: '${this.#address}'${this.closed ? ', closed' : ''} }`
  }
}
