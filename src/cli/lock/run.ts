/**
 * `consul-lock [options] <prefix> <command...>`: Go's `consul lock` run algorithm. Acquire;
 * run the child; wait for the first of child exit, lock lost, shutdown signal; stop the
 * child's process group; release; remove the key if nobody uses it. Exit 1 for setup, acquire,
 * release and cleanup failures, 2 for a failed child with -child-exit-code, 0 otherwise.
 */
import type { InspectionEvent, Observer } from 'xstate'
import type { Consul } from '../../index.js'
import { type ChildExit, ChildGroup, childFailed, describeExit } from './child.js'
import { type LockCommandConfig, parseLockCommandLine } from './flags.js'
import { createHolder, type Holder, isInUse, isNotHeld } from './holder.js'
import { connectionErrorMessage, consulFromHttpFlags } from './http-options.js'
import { withInspector } from './inspect.js'
import { watchJobControl } from './job-control.js'
import { createOutput, messageOf, type Output } from './output.js'
import { watchShutdownSignals } from './signals.js'
import { lockUsage } from './usage.js'
import { printTransitions } from './verbose.js'

/** Runs the lock command; resolves with its exit code. Throws a `UsageError` for bad arguments. */
export async function runLock(argv: readonly string[]): Promise<number> {
  const line = parseLockCommandLine(argv)
  if (line.help) {
    process.stdout.write(lockUsage)
    return 0
  }
  const output = createOutput(line.config.verbose)
  let consul: Consul
  try {
    consul = consulFromHttpFlags(line.config.http)
  } catch (error) {
    output.error(connectionErrorMessage(error))
    return 1
  }
  try {
    const { config } = line
    return await withInspector(config.inspectPort, output, (inspect) =>
      runUnderLock(config, consul, output, inspect),
    )
  } finally {
    await consul.close()
  }
}

async function runUnderLock(
  config: LockCommandConfig,
  consul: Consul,
  output: Output,
  inspect: Observer<InspectionEvent> | undefined,
): Promise<number> {
  let holder: Holder
  try {
    holder = createHolder(consul, config, inspect)
  } catch (error) {
    output.error(`Lock setup failed: ${messageOf(error)}`)
    return 1
  }
  output.info(holder.setupLine)
  const stopPrinting = printTransitions(holder.actor, output)
  let child: ChildGroup | undefined
  // Set once the command and its group are gone: then only the release and the cleanup are left.
  let releasing = false
  const shutdown = watchShutdownSignals((signal, count) => {
    output.info(`Received ${signal}`)
    if (child?.active) {
      // The first one starts the stop (SIGTERM, then SIGKILL after -kill-grace); another one
      // does not wait for the grace period, even when only what the command left is still there.
      child.forward(signal)
      if (count > 1) child.kill()
      return
    }
    if (releasing) {
      // A release can hang (an unreachable agent): the session then ends by itself, after its TTL.
      output.error(`${signal} during release: exiting without waiting; the session expires after its TTL`)
      process.exit(1)
    }
    if (count === 1) return
    output.error(`${signal} again: exiting at once, without releasing the lock`)
    process.exit(1)
  })
  const stopJobControl = watchJobControl(() => child, output)
  try {
    const lease = await acquire(holder, config, shutdown.signal, output)
    if (lease === undefined) return 1
    let failed = false
    if (shutdown.signal.aborted) {
      output.error('Shutdown triggered during lock acquisition')
    } else if (lease.lost.aborted) {
      // Lost as it was won (the session expired meanwhile): the command must not run unlocked.
      output.error(`${messageOf(lease.lost.reason)}: not starting the command`)
    } else {
      output.info('Starting handler')
      if (config.passStdin) output.info('Stdin passed to handler process')
      child = new ChildGroup(config, output)
      const ending = await firstEnding(child, lease.lost, shutdown.signal)
      if (ending.kind === 'exited') {
        failed = childFailed(ending.exit)
        reportChildExit(ending.exit, output)
      } else if (ending.kind === 'lost') {
        output.error(`${messageOf(lease.lost.reason)}: stopping the command`)
        output.info('Lock lost, killing child')
      } else {
        output.info('Shutdown triggered, killing child')
      }
      await child.stop(config.killGraceMs)
    }
    releasing = true
    if (!(await release(holder, lease.lost, output))) return 1
    if (!(await cleanUp(holder, output))) return 1
    return config.childExitCode && failed ? 2 : 0
  } finally {
    // Only does something when an unexpected error cut the run short: the child must not outlive it.
    await child?.stop(config.killGraceMs)
    await holder.facade[Symbol.asyncDispose]()
    shutdown.dispose()
    stopJobControl()
    stopPrinting()
  }
}

/** Acquires (waiting for ever, or once for -timeout); `undefined` after reporting why not. */
async function acquire(
  holder: Holder,
  config: LockCommandConfig,
  shutdown: AbortSignal,
  output: Output,
): Promise<{ lost: AbortSignal; session: string } | undefined> {
  output.info('Attempting lock acquisition')
  try {
    const lease =
      config.timeoutMs > 0
        ? await holder.facade.tryAcquire({ wait: config.timeoutMs, signal: shutdown })
        : await holder.facade.acquire({ signal: shutdown })
    if (lease !== null) {
      output.info(`Lock acquired by session ${lease.session}`)
      return lease
    }
  } catch (error) {
    if (!shutdown.aborted) {
      output.error(`Lock acquisition failed: ${messageOf(error)}`)
      return undefined
    }
  }
  output.error('Shutdown triggered or timeout during lock acquisition')
  return undefined
}

type Ending = { kind: 'exited'; exit: ChildExit } | { kind: 'lost' } | { kind: 'shutdown' }

/** Whichever comes first: the child exits, the lock is lost, a shutdown signal arrives. */
async function firstEnding(child: ChildGroup, lost: AbortSignal, shutdown: AbortSignal): Promise<Ending> {
  const settled = new AbortController()
  const whenAborted = (signal: AbortSignal, ending: Ending) =>
    new Promise<Ending>((resolve) => {
      if (signal.aborted) resolve(ending)
      signal.addEventListener('abort', () => resolve(ending), { once: true, signal: settled.signal })
    })
  try {
    return await Promise.race([
      whenAborted(lost, { kind: 'lost' }),
      whenAborted(shutdown, { kind: 'shutdown' }),
      child.exited.then((exit): Ending => ({ kind: 'exited', exit })),
    ])
  } finally {
    settled.abort()
  }
}

function reportChildExit(exit: ChildExit, output: Output): void {
  if ('startError' in exit) output.error(`Error starting handler: ${describeExit(exit)}`)
  else if (childFailed(exit)) output.error(`Error running handler: ${describeExit(exit)}`)
  output.info('Child terminated, releasing lock')
}

/** Go's unlock. After a loss there is nothing to release: the machine gave back what it could. */
async function release(holder: Holder, lost: AbortSignal, output: Output): Promise<boolean> {
  if (lost.aborted) return true
  try {
    await holder.facade.release()
    return true
  } catch (error) {
    if (isNotHeld(error)) return true
    output.error(`Lock release failed: ${messageOf(error)}`)
    return false
  }
}

/** Go's cleanup: remove the key (a semaphore's `.lock` record) unless someone else uses it. */
async function cleanUp(holder: Holder, output: Output): Promise<boolean> {
  try {
    await holder.facade.destroy()
    output.info('Cleanup succeeded')
    return true
  } catch (error) {
    if (isInUse(error)) {
      output.info('Cleanup aborted, lock in use')
      return true
    }
    output.error(`Lock cleanup failed: ${messageOf(error)}`)
    return false
  }
}
