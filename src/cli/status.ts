/**
 * `consul-lock status [options] <prefix>`: who holds the lock or the semaphore at `<prefix>`, as
 * `consul lock` (and this CLI) lay them out. Exit 0 once reported, 1 on errors.
 */

import { goPathJoin } from '../consul/key-path.js'
import { parseFlags, UsageError } from './args.js'
import {
  connectionErrorMessage,
  consulFromHttpFlags,
  httpFlagOptions,
  httpFlagsUsage,
} from './lock/http-options.js'
import { createOutput, messageOf } from './lock/output.js'
import { trimPrefixArgument } from './prefix.js'
import { formatStatus } from './status/format.js'
import { readPrefixStatus } from './status/read.js'

export const statusUsage = `Usage: consul-lock status [options] <prefix>

  Shows who holds the lock (key <prefix>/.lock) or the semaphore (prefix <prefix>) that
  'consul-lock [-n N] <prefix> <command>' and 'consul lock' take: the holder's session, node,
  value and indexes, or every holder of a semaphore and its limit. Prints 'No holder: <prefix>'
  when nobody holds it.

Options:
  -h, -help                 Show this help.

${httpFlagsUsage}`

export async function runStatus(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...httpFlagOptions,
    help: { type: 'boolean', short: 'h' },
  })
  if (values.help) {
    process.stdout.write(statusUsage)
    return 0
  }
  if (positionals.length !== 1) throw new UsageError('Key prefix must be specified (exactly one)')
  // The prefix the lock command's keys are under (`/status` names a prefix called `status`).
  const prefix = goPathJoin(trimPrefixArgument(positionals[0] as string))
  if (prefix === '') throw new UsageError('Key prefix must not be empty')

  const output = createOutput(false)
  let consul: ReturnType<typeof consulFromHttpFlags>
  try {
    consul = consulFromHttpFlags(values)
  } catch (error) {
    output.error(connectionErrorMessage(error))
    return 1
  }
  try {
    const status = await readPrefixStatus(consul, prefix, { stale: values.stale === true })
    process.stdout.write(formatStatus(status))
    return 0
  } catch (error) {
    output.error(`Error querying Consul agent: ${messageOf(error)}`)
    return 1
  } finally {
    await consul.close()
  }
}
