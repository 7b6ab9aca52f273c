/**
 * `npm start`: the demo (built as dist/demo.js). Three worker processes run the real
 * `consul-lock` CLI against the embedded dev server (or the agent in CONSUL_HTTP_ADDR): a lock
 * with a graceful hand-off and a crash failover, then a semaphore of two. It prints a timeline
 * and a summary, and leaves no process, session, key or port behind, even on Ctrl-C.
 */
import { messageOf } from '../cli/lock/output.js'
import { cleanUp, type Leftovers } from './cleanup.js'
import { createContext, type DemoContext } from './context.js'
import { INTERRUPTED, watchInterrupts } from './interrupts.js'
import { lockScenario } from './scenario-lock.js'
import { semaphoreScenario } from './scenario-semaphore.js'
import { type DemoSettings, type DemoTarget, openTarget } from './settings.js'
import { type DemoResults, keptItsPromises, printSummary } from './summary.js'
import { createTimeline, type Timeline } from './timeline.js'
import { displayCommand } from './workers.js'

async function main(): Promise<number> {
  const timeline = createTimeline()
  let context: DemoContext | undefined
  const interrupts = watchInterrupts(timeline, () => context?.workers ?? [])
  let target: DemoTarget
  try {
    target = await openTarget()
  } catch (error) {
    interrupts.dispose()
    throw error
  }
  context = createContext(target.consul, target.settings, timeline, interrupts.signal)
  printHeading(timeline, target.settings)
  const results: DemoResults = {}
  let failure: unknown
  let leftovers: Leftovers | undefined
  try {
    results.lock = await lockScenario(context)
    results.semaphore = await semaphoreScenario(context)
  } catch (error) {
    failure = error
  } finally {
    leftovers = await cleanUpReporting(context)
    await target.close()
    interrupts.dispose()
  }
  if (leftovers !== undefined) printSummary(timeline, target.settings, results, leftovers)
  return exitCode(timeline, context, failure, results, leftovers)
}

/**
 * The cleanup; when it fails (the agent is unreachable), the reason is printed and `undefined`
 * returned, so that neither the run's own failure nor the closing of the target is lost.
 */
async function cleanUpReporting(context: DemoContext): Promise<Leftovers | undefined> {
  try {
    return await cleanUp(context)
  } catch (error) {
    context.timeline.line('demo', `the cleanup failed: ${messageOf(error)}`)
    return undefined
  }
}

function printHeading(timeline: Timeline, settings: DemoSettings): void {
  timeline.text(`consul-lock demo (run ${settings.runId})`)
  timeline.text(`  Consul: ${settings.agent} at ${settings.address}`)
  timeline.text(
    `  Each worker runs: ${displayCommand(settings, { name: 'worker-N', prefix: '<prefix>', limit: 1 })}`,
  )
  timeline.text(
    `  Session TTL ${settings.sessionTTL}, lock-delay ${settings.lockDelay}, child kill grace ${settings.killGrace}`,
  )
  timeline.text(
    '  Live statecharts: each worker prints "consul-lock: inspector at <url>"; open it while it runs',
  )
}

function exitCode(
  timeline: Timeline,
  context: DemoContext,
  failure: unknown,
  results: DemoResults,
  leftovers: Leftovers | undefined,
): number {
  if (context.signal.aborted) {
    timeline.text('Interrupted: the workers were stopped and the run cleaned up.')
    return INTERRUPTED
  }
  if (failure !== undefined) {
    timeline.text(`The demo failed: ${messageOf(failure)}`)
    return 1
  }
  if (leftovers === undefined) {
    timeline.text('The cleanup failed: sessions or keys of the run may be left (see above).')
    return 1
  }
  if (context.problems.length > 0 || !keptItsPromises(results, leftovers)) {
    timeline.text('The demo did not go as it should (see PROBLEM lines and the summary).')
    return 1
  }
  timeline.text(`Done: nothing left behind${context.settings.embedded ? '; the dev server is closed' : ''}.`)
  return 0
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`demo: ${messageOf(error)}\n`)
    process.exitCode = 1
  },
)
