#!/usr/bin/env node
import { UsageError } from './args.js'
import { devUsage, runDev } from './dev.js'

const usage = `Usage: consul-lock <command> [options]

Commands:
  dev        Run the embedded Consul-compatible dev server in the foreground.

Run 'consul-lock <command> -help' for a command's options.
`

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'dev':
      return runDev(rest).catch((error: unknown) => reportUsageError(error, devUsage))
    case undefined:
    case '-h':
    case '-help':
    case '--help':
      process.stdout.write(usage)
      return command === undefined ? 1 : 0
    default:
      return reportUsageError(new UsageError(`Unknown command '${command}'`), usage)
  }
}

function reportUsageError(error: unknown, commandUsage: string): number {
  if (!(error instanceof UsageError)) throw error
  process.stderr.write(`${error.message}\n\n${commandUsage}`)
  return 1
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`consul-lock: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
