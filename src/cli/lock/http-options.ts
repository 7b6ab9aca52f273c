/**
 * The HTTP flags `consul lock` (and every Consul command) takes, and the client they make.
 * Shared by the lock command and `consul-lock status`. A flag given overrides the environment
 * variable Consul's tools read; a flag not given leaves the variable in charge (the client
 * reads them). The token is never printed: the client keeps it out of its errors.
 */
import { Consul, type ConsulOptions } from '../../index.js'

/** The `util.parseArgs` specs of the HTTP flags, to spread into a command's own. */
export const httpFlagOptions = {
  'http-addr': { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'ca-file': { type: 'string' },
  'ca-path': { type: 'string' },
  'client-cert': { type: 'string' },
  'client-key': { type: 'string' },
  'tls-server-name': { type: 'string' },
  datacenter: { type: 'string' },
  // `status` may read stale; the lock command accepts it so a `consul lock` line pastes unchanged.
  stale: { type: 'boolean' },
} as const

/** The parsed values of the HTTP flags (absent: not given). */
export type HttpFlagValues = {
  [K in keyof typeof httpFlagOptions]?: (typeof httpFlagOptions)[K]['type'] extends 'boolean'
    ? boolean
    : string
}

/** The usage lines of the HTTP flags, for a command's help text. */
export const httpFlagsUsage = `HTTP API options (each overrides its environment variable):
  -http-addr=<addr>         Consul's HTTP address: host:port, http(s)://host:port or unix:///path
                            (CONSUL_HTTP_ADDR; default 127.0.0.1:8500).
  -token=<token>            ACL token (CONSUL_HTTP_TOKEN). Prefer -token-file: argv is visible in ps.
  -token-file=<path>        File holding the ACL token (CONSUL_HTTP_TOKEN_FILE); wins over -token.
  -ca-file=<path>           PEM CA certificate to verify the server with (CONSUL_CACERT).
  -ca-path=<dir>            Directory of PEM CA certificates (CONSUL_CAPATH).
  -client-cert=<path>       PEM client certificate for mutual TLS (CONSUL_CLIENT_CERT).
  -client-key=<path>        PEM key of the client certificate (CONSUL_CLIENT_KEY).
  -tls-server-name=<name>   Server name to send (SNI) and verify (CONSUL_TLS_SERVER_NAME).
  -datacenter=<dc>          Datacenter to query (default: the agent's).
  -stale                    Let any server answer reads (status); the lock command ignores it.
`

/** The client options the flags given stand for; what is not given is left to the environment. */
export function consulOptionsFromHttpFlags(values: HttpFlagValues): ConsulOptions {
  const tls: NonNullable<ConsulOptions['tls']> = {}
  if (values['ca-file'] !== undefined) tls.caFile = values['ca-file']
  if (values['ca-path'] !== undefined) tls.caPath = values['ca-path']
  if (values['client-cert'] !== undefined) tls.certFile = values['client-cert']
  if (values['client-key'] !== undefined) tls.keyFile = values['client-key']
  if (values['tls-server-name'] !== undefined) tls.serverName = values['tls-server-name']
  const options: ConsulOptions = {}
  if (values['http-addr'] !== undefined) options.address = values['http-addr']
  if (values.token !== undefined) options.token = values.token
  if (values['token-file'] !== undefined) options.tokenFile = values['token-file']
  if (values.datacenter !== undefined) options.datacenter = values.datacenter
  if (Object.keys(tls).length > 0) options.tls = tls
  return options
}

/**
 * A client for the HTTP flags given (and the environment). Throws the client's
 * `InvalidOptionError` for a bad flag or variable; commands report it as Go does,
 * `Error connecting to Consul agent: <message>`.
 */
export function consulFromHttpFlags(values: HttpFlagValues): Consul {
  return new Consul(consulOptionsFromHttpFlags(values))
}

/** Go's wording for a client that cannot be built from the flags and environment. */
export function connectionErrorMessage(error: unknown): string {
  return `Error connecting to Consul agent: ${error instanceof Error ? error.message : String(error)}`
}
