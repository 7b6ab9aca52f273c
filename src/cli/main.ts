#!/usr/bin/env node
/**
 * `consul-lock`: a subcommand when the first argument names one (`dev`, `status`, help);
 * otherwise the lock command, `consul-lock [options] <prefix> <command...>`.
 */
import { UsageError } from './args.js'
import { devUsage, runDev } from './dev.js'
import { runLock } from './lock/run.js'
import { lockUsage } from './lock/usage.js'
import { runStatus, statusUsage } from './status.js'

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'dev':
      return runDev(rest).catch((error: unknown) => reportUsageError(error, devUsage))
    case 'status':
      return runStatus(rest).catch((error: unknown) => reportUsageError(error, statusUsage))
    case '-h':
    case '-help':
    case '--help':
      process.stdout.write(lockUsage)
      return 0
    default:
      return runLock(argv).catch((error: unknown) => reportUsageError(error, lockUsage))
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
