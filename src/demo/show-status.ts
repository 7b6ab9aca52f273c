/** Runs `consul-lock status <prefix>` as a user would, and shows its answer on the timeline. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { DemoContext } from './context.js'
import { cliPath } from './paths.js'

const run = promisify(execFile)
const STATUS_TIMEOUT_MS = 10_000

export async function showStatus(context: DemoContext, prefix: string): Promise<void> {
  const { settings, timeline } = context
  timeline.line('demo', `consul-lock status ${prefix}`)
  try {
    const { stdout } = await run(
      process.execPath,
      [cliPath, 'status', '-http-addr', settings.address, prefix],
      {
        env: settings.workerEnv,
        timeout: STATUS_TIMEOUT_MS,
        signal: context.signal,
      },
    )
    for (const line of stdout.trimEnd().split('\n')) timeline.text(`${' '.repeat(12)}│ ${line}`)
  } catch (error) {
    if (!context.signal.aborted) context.problem(`consul-lock status failed: ${String(error)}`)
  }
}
