/**
 * `-inspect[=port]`: the lock's live statechart on a local page while the command runs. The
 * page's address is printed on stderr (`consul-lock: inspector at http://127.0.0.1:PORT/`),
 * whatever `-verbose` says; the page closes when the command exits.
 */
import type { InspectionEvent, Observer } from 'xstate'
import { createInspector, type Inspector } from '../../inspect/index.js'
import { messageOf, type Output } from './output.js'

/**
 * Runs `run` with the observer of an inspector on `port` (none when `port` is `undefined`),
 * and closes the inspector after. Exit code 1, before anything is locked, when the inspector
 * cannot start (the port is taken).
 */
export async function withInspector(
  port: number | undefined,
  output: Output,
  run: (inspect: Observer<InspectionEvent> | undefined) => Promise<number>,
): Promise<number> {
  if (port === undefined) return run(undefined)
  let inspector: Inspector
  try {
    inspector = await createInspector({ port })
  } catch (error) {
    output.error(`Inspector setup failed: ${messageOf(error)}`)
    return 1
  }
  output.notice(`inspector at ${inspector.url}`)
  try {
    return await run(inspector.inspect)
  } finally {
    await inspector.close()
  }
}
