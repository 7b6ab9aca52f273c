/**
 * Client options, their defaults from the environment variables Consul's own tools read, and
 * their validation. Everything here runs in the `Consul` constructor, before any request.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Dispatcher } from 'undici'
import { InvalidOptionError } from '../errors.js'
import { type Duration, toMilliseconds } from './duration.js'

/**
 * TLS settings for `https://` addresses. Each field defaults from the environment variable
 * Consul's Go client reads for it.
 *
 * Deliberate differences from Go's `api.DefaultConfig`/`NewClient`:
 * - a malformed `CONSUL_HTTP_SSL` or `CONSUL_HTTP_SSL_VERIFY` throws an `InvalidOptionError`.
 *   Go only logs a warning; for `CONSUL_HTTP_SSL_VERIFY` it then turns verification **off**
 *   (`CONSUL_HTTP_SSL_VERIFY=no` disables it), which is not a failure mode to copy.
 * - options replace their variables as a group for the CA (`caFile`, `caPath`, `ca`): an
 *   explicit `caPath` is not overridden by a stray `CONSUL_CACERT`, as it would be in Go.
 * - a file in `caPath` that holds no certificate is skipped; Go fails on it.
 */
export interface ConsulTLSOptions {
  /**
   * Use HTTPS for an address given without a scheme (`host:port`) or a `unix://` socket, and
   * never downgrade an `http://` address to plain HTTP (Go's rule).
   *
   * @default `CONSUL_HTTP_SSL` parsed like Go's `strconv.ParseBool` (`1`, `t`, `true`, `TRUE`,
   *   `True`, `0`, `f`, `false`…), else false
   */
  enabled?: boolean
  /**
   * A PEM file with the CA certificate(s) to trust **instead of** the system roots. As in Go,
   * the CA comes from one source only: `caFile`, else `ca`, else `caPath`.
   *
   * @default `CONSUL_CACERT` (when none of `caFile`, `caPath`, `ca` is given)
   * @example
   * ```ts
   * new Consul({ address: 'https://consul:8501', tls: { caFile: '/etc/consul/ca.pem' } })
   * ```
   */
  caFile?: string
  /**
   * A directory of PEM CA certificates (searched recursively) to trust instead of the system
   * roots; used only when neither `caFile` nor `ca` is set.
   *
   * @default `CONSUL_CAPATH` (when none of `caFile`, `caPath`, `ca` is given)
   */
  caPath?: string
  /**
   * PEM CA certificate(s) given inline (Go's `TLSConfig.CAPem`); used when `caFile` is not set.
   *
   * @default undefined
   */
  ca?: string | Buffer
  /**
   * A PEM client certificate file for mutual TLS; needs `keyFile` (or `key`).
   *
   * @default `CONSUL_CLIENT_CERT`
   */
  certFile?: string
  /**
   * The PEM private key file of the client certificate.
   *
   * @default `CONSUL_CLIENT_KEY`
   */
  keyFile?: string
  /** An inline PEM client certificate; overrides `certFile`. @default undefined */
  cert?: string | Buffer
  /** An inline PEM client key; overrides `keyFile`. @default undefined */
  key?: string | Buffer
  /**
   * The server name to send (SNI) and to verify the certificate against. A `:port` suffix is
   * dropped, as Go does (`consul.service:8501` → `consul.service`, `[::1]:8501` → `::1`).
   *
   * @default `CONSUL_TLS_SERVER_NAME`, else the address's host (`localhost` for a unix socket)
   */
  serverName?: string
  /**
   * Verify the server's certificate. Turn off only for tests.
   *
   * @default `CONSUL_HTTP_SSL_VERIFY` (a Go boolean; malformed throws), else true
   */
  verify?: boolean
}

/** Options of `new Consul(options)`. Every option is optional. */
export interface ConsulOptions {
  /**
   * Where the agent listens, in the forms `CONSUL_HTTP_ADDR` takes: `host:port` (HTTP, or HTTPS
   * when `tls.enabled`/`CONSUL_HTTP_SSL`), `http://host:port` (upgraded to HTTPS when TLS is
   * enabled, never the reverse), `https://host:port` (an extra path such as
   * `https://gw.example/consul` is kept as a prefix of every request path, like Go's
   * `PathPrefix`), or `unix://<socket path>` (absolute, or relative to the working directory).
   *
   * Unlike Go, the scheme is case-insensitive and credentials in the address are refused
   * (`CONSUL_HTTP_AUTH` basic auth is not supported; use an ACL token).
   *
   * @default `CONSUL_HTTP_ADDR`, else `'http://127.0.0.1:8500'`
   * @example
   * ```ts
   * new Consul({ address: 'https://consul.service.internal:8501' })
   * new Consul({ address: 'unix:///var/run/consul/http.sock' })
   * ```
   */
  address?: string
  /**
   * The ACL token, sent only in the `X-Consul-Token` header. The client never exposes it (not in
   * errors, URLs, `toString` or `util.inspect`).
   *
   * Precedence (as in Go, a token file beats a token at the same level): the `tokenFile`
   * option's contents, the `token` option, then — only if neither option is given — the
   * contents of `CONSUL_HTTP_TOKEN_FILE`, then `CONSUL_HTTP_TOKEN`. An empty file is skipped.
   *
   * Deliberately unlike Go, options always beat the environment: Go's
   * `NewClient(DefaultConfig())` lets a `CONSUL_HTTP_TOKEN_FILE` override a `Token` set in code,
   * and treats `Token: ""` as "use `CONSUL_HTTP_TOKEN`". Here `token: ''` means "send no token"
   * (and ignore the variables), so code that picks a token is never overridden by a stray
   * variable.
   *
   * @default `CONSUL_HTTP_TOKEN_FILE` contents, else `CONSUL_HTTP_TOKEN`, else none
   * @example
   * ```ts
   * new Consul({ tokenFile: '/run/secrets/consul-token' })
   * new Consul({ token: '' }) // anonymous, whatever CONSUL_HTTP_TOKEN says
   * ```
   */
  token?: string
  /**
   * A file holding the ACL token, read once in the constructor (surrounding whitespace trimmed).
   * See `token` for precedence.
   *
   * @default `CONSUL_HTTP_TOKEN_FILE`
   */
  tokenFile?: string
  /**
   * The datacenter to send every request to (`?dc=`).
   *
   * @default undefined (the agent's datacenter)
   */
  datacenter?: string
  /**
   * The Enterprise namespace of every request (`?ns=`). Consul CE rejects it with a 400.
   * `namespace: ''` sends none and ignores `CONSUL_NAMESPACE` (Go would fall back to it).
   *
   * @default `CONSUL_NAMESPACE`, else none
   */
  namespace?: string
  /**
   * The Enterprise admin partition of every request (`?partition=`). Consul CE rejects it.
   * `partition: ''` sends none and ignores `CONSUL_PARTITION` (Go would fall back to it).
   *
   * @default `CONSUL_PARTITION`, else none
   */
  partition?: string
  /**
   * TLS settings; see {@link ConsulTLSOptions}. Ignored when `dispatcher` is given (the
   * dispatcher owns its connections), but still validated.
   */
  tls?: ConsulTLSOptions
  /**
   * How long to wait for a response (headers, then each gap in the body) beyond the time a
   * blocking query may legitimately be held by the server. A non-blocking call fails with a
   * retryable `ConsulTransportError` after this; a blocking read (with `index`) gets
   * `wait + wait/16 + timeout` (`wait` defaults to Consul's 5 min, capped at 10 min).
   *
   * @default '30s'
   */
  timeout?: Duration
  /**
   * An undici `Dispatcher` to send requests through, e.g. a `MockAgent` in tests or a
   * proxy agent. The client uses it as given and never closes it; without it the client owns
   * one keep-alive connection pool (unlimited connections, no pipelining), closed by `close()`.
   *
   * Every blocking read holds one connection until the server answers (up to ~10 min). A
   * dispatcher with a `connections` cap or `pipelining > 1` makes short calls (a session renew)
   * queue behind held reads: give it at least one connection per concurrent watch, plus one.
   *
   * @default undefined (a pool owned by the client)
   */
  dispatcher?: Dispatcher
  /**
   * Where environment defaults come from. Pass an object to make a client independent of the
   * process environment (tests).
   *
   * @default process.env
   * @example
   * ```ts
   * new Consul({ env: { CONSUL_HTTP_ADDR: '127.0.0.1:18500' } })
   * ```
   */
  env?: Readonly<Record<string, string | undefined>>
}

/** The TLS material handed to the connection pool. @internal */
export interface ResolvedTLS {
  ca?: string[]
  cert?: string | Buffer
  key?: string | Buffer
  servername?: string
  rejectUnauthorized: boolean
}

/** Options after defaults, environment and validation. @internal */
export interface ResolvedConfig {
  /** The origin requests are sent to (`http://localhost` for a unix socket). */
  origin: string
  /** A path prefix (reverse proxy), `''` or `/prefix` without a trailing slash. */
  basePath: string
  socketPath: string | undefined
  /** The address for display: no credentials, never the token. */
  displayAddress: string
  token: string | undefined
  datacenter: string | undefined
  namespace: string | undefined
  partition: string | undefined
  tls: ResolvedTLS | undefined
  timeoutMs: number
}

export const DEFAULT_ADDRESS = 'http://127.0.0.1:8500'
export const DEFAULT_TIMEOUT_MS = 30_000

/** Go's `strconv.ParseBool`. */
function parseBool(value: string, option: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false
  throw new InvalidOptionError(option, `'${value}' is not a boolean (use true or false)`)
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

function checkString(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw new InvalidOptionError(option, 'must be a string')
  return value
}

function checkBoolean(value: unknown, option: string): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw new InvalidOptionError(option, 'must be a boolean')
  return value
}

function readTextFile(path: string, option: string, what: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new InvalidOptionError(option, `cannot read the ${what} file '${path}' (${code})`)
  }
}

/** Header-safe token: visible ASCII only, so it can neither break nor be echoed by a header check. */
const TOKEN_PATTERN = /^[\x21-\x7e]*$/

function resolveToken(options: ConsulOptions, env: Readonly<Record<string, string | undefined>>) {
  const tokenOption = checkString(options.token, 'token')
  const tokenFileOption = checkString(options.tokenFile, 'tokenFile')
  let token: string | undefined
  let source: string
  if (tokenOption !== undefined || tokenFileOption !== undefined) {
    const fromFile = tokenFileOption ? readTextFile(tokenFileOption, 'tokenFile', 'token').trim() : ''
    token = fromFile || tokenOption
    source = fromFile ? 'tokenFile' : 'token'
  } else {
    const file = nonEmpty(env.CONSUL_HTTP_TOKEN_FILE)
    const fromFile = file ? readTextFile(file, 'CONSUL_HTTP_TOKEN_FILE', 'token').trim() : ''
    token = fromFile || nonEmpty(env.CONSUL_HTTP_TOKEN)
    source = fromFile ? 'CONSUL_HTTP_TOKEN_FILE' : 'CONSUL_HTTP_TOKEN'
  }
  if (token !== undefined && !TOKEN_PATTERN.test(token)) {
    // Never echo the value: it is a secret.
    throw new InvalidOptionError(
      source,
      'the token contains whitespace or characters not allowed in a header',
    )
  }
  return nonEmpty(token)
}

interface ParsedAddress {
  origin: string
  basePath: string
  socketPath: string | undefined
  displayAddress: string
}

function parseAddress(address: string, option: string, tlsEnabled: boolean): ParsedAddress {
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(address)
  const scheme = schemeMatch?.[1]?.toLowerCase()
  if (scheme === 'unix') {
    // As Go: everything after `unix://` is the socket path, absolute or relative to the
    // working directory (`unix://consul.sock`).
    const socketPath = address.slice(schemeMatch?.[0].length ?? 0)
    if (socketPath === '') {
      throw new InvalidOptionError(
        option,
        `a unix socket address needs a path, e.g. 'unix:///run/consul.sock'`,
      )
    }
    return {
      origin: tlsEnabled ? 'https://localhost' : 'http://localhost',
      basePath: '',
      socketPath,
      displayAddress: `unix://${socketPath}`,
    }
  }
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    throw new InvalidOptionError(option, `unknown scheme '${scheme}' (use http://, https:// or unix://)`)
  }
  // Go keeps https once TLS is requested, even for an http:// address.
  const effectiveScheme = scheme === 'https' || tlsEnabled ? 'https' : 'http'
  const rest = schemeMatch ? address.slice(schemeMatch[0].length) : address
  let url: URL
  try {
    url = new URL(`${effectiveScheme}://${rest}`)
  } catch {
    throw new InvalidOptionError(option, `'${address}' is not a valid address (expected host:port or a URL)`)
  }
  if (url.username || url.password) {
    throw new InvalidOptionError(option, 'credentials in the address are not supported; use the token option')
  }
  if (url.hostname === '') throw new InvalidOptionError(option, `'${address}' has no host`)
  if (url.search || url.hash) {
    throw new InvalidOptionError(option, 'the address must not contain a query string or fragment')
  }
  const basePath = url.pathname.replace(/\/+$/, '')
  return { origin: url.origin, basePath, socketPath: undefined, displayAddress: `${url.origin}${basePath}` }
}

const PEM_CERTIFICATE = '-----BEGIN CERTIFICATE-----'

function loadCAPath(dir: string, option: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(dir, { recursive: true, encoding: 'utf8' })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new InvalidOptionError(option, `cannot read the CA directory '${dir}' (${code})`)
  }
  const pems: string[] = []
  for (const entry of entries.sort()) {
    const file = join(dir, entry)
    let isFile: boolean
    try {
      isFile = statSync(file).isFile()
    } catch {
      isFile = false
    }
    if (!isFile) continue
    const text = readTextFile(file, option, 'CA certificate')
    if (text.includes(PEM_CERTIFICATE)) pems.push(text)
  }
  if (pems.length === 0) throw new InvalidOptionError(option, `no PEM certificate found in '${dir}'`)
  return pems
}

/**
 * The CA certificates to trust, from one source only, in Go's order (`go-rootcerts`): the CA
 * file, else the inline PEM, else the CA directory; `undefined` → the system roots. Sources are
 * not combined: setting a CA file means "trust exactly this", as it does for Consul's tools.
 */
function loadCA(source: {
  file: string | undefined
  inline?: string | Buffer | undefined
  dir: string | undefined
  level: 'tls' | 'env'
}): string[] | undefined {
  const [fileOption, dirOption] =
    source.level === 'tls' ? ['tls.caFile', 'tls.caPath'] : ['CONSUL_CACERT', 'CONSUL_CAPATH']
  if (source.file) {
    const pem = readTextFile(source.file, fileOption, 'CA certificate')
    if (!pem.includes(PEM_CERTIFICATE)) {
      throw new InvalidOptionError(fileOption, `no PEM certificate found in '${source.file}'`)
    }
    return [pem]
  }
  if (source.inline !== undefined) {
    const pem = source.inline.toString()
    if (!pem.includes(PEM_CERTIFICATE)) throw new InvalidOptionError('tls.ca', 'holds no PEM certificate')
    return [pem]
  }
  if (source.dir) return loadCAPath(source.dir, dirOption)
  return undefined
}

/** Drops a `:port` from a server name the way Go's `SetupTLSConfig` does (`[::1]:8501` → `::1`). */
function stripPort(serverName: string): string {
  const hasPort = serverName.lastIndexOf(':') > serverName.lastIndexOf(']')
  if (!hasPort) return serverName
  const host = serverName.slice(0, serverName.lastIndexOf(':'))
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

function resolveTLS(
  tls: ConsulTLSOptions,
  env: Readonly<Record<string, string | undefined>>,
  host: ParsedAddress,
): ResolvedTLS | undefined {
  checkString(tls.caFile, 'tls.caFile')
  checkString(tls.caPath, 'tls.caPath')
  if (tls.ca !== undefined && typeof tls.ca !== 'string' && !Buffer.isBuffer(tls.ca)) {
    throw new InvalidOptionError('tls.ca', 'must be PEM text or a Buffer')
  }
  // The CA options replace the CA variables as a whole: an explicit `caPath` is not overridden
  // by a `CONSUL_CACERT` left in the environment (Go's `NewClient` would let it).
  const caOptionsGiven = Boolean(tls.caFile || tls.caPath || tls.ca !== undefined)
  const certFile = checkString(tls.certFile, 'tls.certFile') ?? nonEmpty(env.CONSUL_CLIENT_CERT)
  const certOption = tls.certFile !== undefined ? 'tls.certFile' : 'CONSUL_CLIENT_CERT'
  const keyFile = checkString(tls.keyFile, 'tls.keyFile') ?? nonEmpty(env.CONSUL_CLIENT_KEY)
  const keyOption = tls.keyFile !== undefined ? 'tls.keyFile' : 'CONSUL_CLIENT_KEY'
  const serverName = checkString(tls.serverName, 'tls.serverName') ?? nonEmpty(env.CONSUL_TLS_SERVER_NAME)
  const verifyEnv = nonEmpty(env.CONSUL_HTTP_SSL_VERIFY)
  const verify =
    checkBoolean(tls.verify, 'tls.verify') ??
    (verifyEnv === undefined ? true : parseBool(verifyEnv, 'CONSUL_HTTP_SSL_VERIFY'))

  const ca = loadCA(
    caOptionsGiven
      ? { file: tls.caFile, inline: tls.ca, dir: tls.caPath, level: 'tls' }
      : { file: nonEmpty(env.CONSUL_CACERT), dir: nonEmpty(env.CONSUL_CAPATH), level: 'env' },
  )

  const cert = tls.cert ?? (certFile ? readTextFile(certFile, certOption, 'client certificate') : undefined)
  const key = tls.key ?? (keyFile ? readTextFile(keyFile, keyOption, 'client key') : undefined)
  if ((cert === undefined) !== (key === undefined)) {
    throw new InvalidOptionError(
      cert === undefined ? certOption : keyOption,
      'both a client certificate and a client key must be provided',
    )
  }

  const resolved: ResolvedTLS = { rejectUnauthorized: verify }
  if (ca !== undefined) resolved.ca = ca
  if (cert !== undefined) resolved.cert = cert
  if (key !== undefined) resolved.key = key
  if (serverName) resolved.servername = stripPort(serverName)
  const isTLS = host.origin.startsWith('https:')
  const customised = ca !== undefined || cert !== undefined || serverName !== undefined || !verify
  return isTLS || customised ? resolved : undefined
}

/**
 * Applies defaults from `options.env` (default `process.env`) and validates every option.
 * Throws {@link InvalidOptionError} naming the option (or environment variable) at fault.
 *
 * @internal
 */
export function resolveConfig(options: ConsulOptions = {}): ResolvedConfig {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', 'must be an object')
  }
  const env = options.env ?? process.env
  const tls = options.tls ?? {}
  if (typeof tls !== 'object' || tls === null) throw new InvalidOptionError('tls', 'must be an object')

  const sslEnv = nonEmpty(env.CONSUL_HTTP_SSL)
  const tlsEnabled =
    checkBoolean(tls.enabled, 'tls.enabled') ??
    (sslEnv === undefined ? false : parseBool(sslEnv, 'CONSUL_HTTP_SSL'))

  const addressOption = checkString(options.address, 'address')
  const address = nonEmpty(addressOption) ?? nonEmpty(env.CONSUL_HTTP_ADDR) ?? DEFAULT_ADDRESS
  const addressSource = nonEmpty(addressOption)
    ? 'address'
    : nonEmpty(env.CONSUL_HTTP_ADDR)
      ? 'CONSUL_HTTP_ADDR'
      : 'address'
  const parsed = parseAddress(address.trim(), addressSource, tlsEnabled)

  const datacenter = nonEmpty(checkString(options.datacenter, 'datacenter'))
  const namespace = nonEmpty(checkString(options.namespace, 'namespace') ?? env.CONSUL_NAMESPACE)
  const partition = nonEmpty(checkString(options.partition, 'partition') ?? env.CONSUL_PARTITION)

  const timeoutMs =
    options.timeout === undefined ? DEFAULT_TIMEOUT_MS : toMilliseconds(options.timeout, 'timeout')
  if (timeoutMs <= 0) throw new InvalidOptionError('timeout', 'must be greater than zero')

  if (options.dispatcher !== undefined) {
    const dispatcher = options.dispatcher as { dispatch?: unknown } | null
    if (typeof dispatcher?.dispatch !== 'function') {
      throw new InvalidOptionError('dispatcher', 'must be an undici Dispatcher (e.g. an Agent or MockAgent)')
    }
  }

  return {
    origin: parsed.origin,
    basePath: parsed.basePath,
    socketPath: parsed.socketPath,
    displayAddress: parsed.displayAddress,
    token: resolveToken(options, env),
    datacenter,
    namespace,
    partition,
    tls: resolveTLS(tls, env, parsed),
    timeoutMs,
  }
}
