import { readFile } from 'node:fs/promises'
import { startDevServer } from '../devserver/index.js'
import { parseFlags, UsageError } from './args.js'

export const devUsage = `Usage: consul-lock dev [options]

  Runs the embedded Consul-compatible dev server (KV, session and txn HTTP API) in the
  foreground until Ctrl-C.

Options:
  -port=<n>                 Port to listen on (default 8500; 0 picks a free one).
  -host=<addr>              Address to bind (default 127.0.0.1).
  -acl-token=<token>        Turn ACLs on (default deny); this token is the management token.
  -acl-token-file=<path>    Same, reading the token from a file (keeps it out of ps output).
  -session-ttl-min=<dur>    Smallest session TTL accepted (default 10s, as Consul).
  -h, -help                 Show this help.
`

export async function runDev(argv: readonly string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    port: { type: 'string', default: '8500' },
    host: { type: 'string', default: '127.0.0.1' },
    'acl-token': { type: 'string' },
    'acl-token-file': { type: 'string' },
    'session-ttl-min': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    process.stdout.write(devUsage)
    return 0
  }
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`Invalid -port '${values.port}': expected an integer from 0 to 65535`)
  }
  const aclToken = values['acl-token-file']
    ? (await readFile(values['acl-token-file'], 'utf8')).trim()
    : values['acl-token']

  const server = await startDevServer({
    port,
    host: values.host,
    ...(aclToken ? { aclToken } : {}),
    ...(values['session-ttl-min'] ? { sessionTTLMin: values['session-ttl-min'] } : {}),
  })
  process.stdout.write(
    `consul-lock dev: Consul-compatible dev server listening on ${server.address}\n` +
      `  ACLs: ${aclToken ? 'enabled, default deny (management token from the command line)' : 'disabled'}\n` +
      `  export CONSUL_HTTP_ADDR=${server.address}\n` +
      '  Press Ctrl-C to stop.\n',
  )

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await server.close()
  process.stdout.write(`consul-lock dev: stopped (${signal})\n`)
  return 0
}
