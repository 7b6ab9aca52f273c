/**
 * `npm start`: the demo (built as dist/demo.js). Three worker processes run the real
 * `consul-lock` CLI against the embedded dev server (or the agent in CONSUL_HTTP_ADDR): a lock
 * with a graceful hand-off and a crash failover, then a semaphore of two. It prints a timeline
 * and a summary, and leaves no process, session, key or port behind, even on Ctrl-C.
 */
import { cleanUp, type Leftovers } from './cleanup.js'
import { createContext, type DemoContext } from './context.js'
import { lockScenario } from './scenario-lock.js'
import { semaphoreScenario } from './scenario-semaphore.js'
import { type DemoSettings, openTarget } from './settings.js'
import { type DemoResults, keptItsPromises, printSummary } from './summary.js'
import { createTimeline, type Timeline } from './timeline.js'
import { displayCommand } from './workers.js'

/** The exit code after Ctrl-C, as shells report a SIGINT. */
const INTERRUPTED = 130

async function main(): Promise<number> {
  const timeline = createTimeline()
  const interruption = new AbortController()
  const interrupt = (signal: NodeJS.Signals) => {
    timeline.line('demo', `${signal}: stopping the workers and cleaning up`)
    interruption.abort(new Error(`interrupted by ${signal}`))
  }
  process.once('SIGINT', interrupt)
  process.once('SIGTERM', interrupt)

  const target = await openTarget()
  const context = createContext(target.consul, target.settings, timeline, interruption.signal)
  printHeading(timeline, target.settings)
  const results: DemoResults = {}
  let failure: unknown
  let leftovers: Leftovers
  try {
    results.lock = await lockScenario(context)
    results.semaphore = await semaphoreScenario(context)
  } catch (error) {
    failure = error
  } finally {
    leftovers = await cleanUp(context)
    await target.close()
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
  }
  printSummary(timeline, target.settings, results, leftovers)
  return exitCode(timeline, context, failure, results, leftovers)
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
}

function exitCode(
  timeline: Timeline,
  context: DemoContext,
  failure: unknown,
  results: DemoResults,
  leftovers: Leftovers,
): number {
  if (context.signal.aborted) {
    timeline.text('Interrupted: the workers were stopped and the run cleaned up.')
    return INTERRUPTED
  }
  if (failure !== undefined) {
    timeline.text(`The demo failed: ${failure instanceof Error ? failure.message : String(failure)}`)
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
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
