/**
 * Part 1: three workers run `consul-lock … <prefix> <child>` on one lock. The leader hands off
 * gracefully (SIGTERM), then the next leader crashes (SIGKILL) and the last one takes over once
 * Consul has expired the dead session and the lock-delay has passed.
 */
import {
  childWorks,
  type DemoContext,
  expectCleanExits,
  WORKER_NAMES,
  whileObserving,
  workerNamed,
} from './context.js'
import { observeLeader } from './observe-leader.js'
import { formatMs } from './timeline.js'
import type { Worker } from './workers.js'

export interface LockResult {
  /** SIGTERM to the leader → the next worker leads. */
  handoffMs: number
  /** SIGKILL of the leader → the next worker leads. */
  failoverMs: number
  /** SIGKILL → Consul invalidated the session and freed the key (if the observer saw it free). */
  expiryMs: number | undefined
}

export async function lockScenario(context: DemoContext): Promise<LockResult> {
  const { consul, settings, timeline, log } = context
  const prefix = `${settings.runId}/leader`
  timeline.text()
  timeline.text(`1. A lock: three workers run consul-lock on ${prefix}; one leads at a time`)
  const since = log.mark()
  const observe = (signal: AbortSignal) =>
    observeLeader(consul, `${prefix}/.lock`, context.names, log, signal)
  return whileObserving(context, 'the lock', observe, async () => {
    await log.waitFor('leader', () => true, { since, what: 'the first read of the lock key' })
    const workers = WORKER_NAMES.map((name) => context.start({ name, prefix, limit: 1 }))
    const first = await nextLeader(context, since, undefined)
    const handoff = await gracefulHandoff(context, first)
    const crash = await crashFailover(context, handoff.next)
    // The last worker leads until it is stopped; then nobody holds the lock.
    const mark = log.mark()
    timeline.line('demo', `SIGTERM → ${crash.next.name}'s consul-lock: the end of part 1`)
    crash.next.stop()
    await log.waitFor('leader', (event) => event.worker === null, {
      since: mark,
      what: 'the lock to be free',
    })
    await expectCleanExits(context, workers, [crash.crashed], since)
    return { handoffMs: handoff.ms, failoverMs: crash.ms, expiryMs: crash.expiryMs }
  })
}

/** The next worker other than `previous` to lead since `since`, once its child works. */
async function nextLeader(
  context: DemoContext,
  since: number,
  previous: Worker | undefined,
): Promise<Worker> {
  const led = await context.log.waitFor(
    'leader',
    (event) => event.worker !== null && event.worker !== previous?.name,
    { since, what: previous ? `a worker other than ${previous.name} to lead` : 'a worker to lead' },
  )
  const leader = workerNamed(context, led.worker as string)
  await childWorks(context, leader.name, since)
  return leader
}

async function gracefulHandoff(context: DemoContext, leader: Worker): Promise<{ next: Worker; ms: number }> {
  const { timeline, log } = context
  timeline.line('demo', `SIGTERM → ${leader.name}'s consul-lock: a graceful hand-off`)
  const mark = log.mark()
  const sent = timeline.now()
  leader.stop()
  const next = await nextLeader(context, mark, leader)
  const led = log.all('leader').find((event) => event.worker === next.name && event.at >= sent)
  const ms = (led?.at ?? timeline.now()) - sent
  timeline.line(
    'demo',
    `hand-off in ${formatMs(ms)}: ${leader.name}'s child stopped, consul-lock released the lock, ${next.name} took it`,
  )
  return { next, ms }
}

async function crashFailover(
  context: DemoContext,
  leader: Worker,
): Promise<{ next: Worker; crashed: Worker; ms: number; expiryMs: number | undefined }> {
  const { settings, timeline, log } = context
  timeline.line(
    'demo',
    `SIGKILL → ${leader.name}'s consul-lock and its child's process group: a machine crash`,
  )
  const mark = log.mark()
  const killed = timeline.now()
  leader.kill()
  timeline.line(
    'demo',
    `nobody renews ${leader.name}'s session now: Consul expires it within 2×TTL (${settings.sessionTTL}), then lock-delay ${settings.lockDelay}`,
  )
  const next = await nextLeader(context, mark, leader)
  const led = log.all('leader').find((event) => event.worker === next.name && event.at >= killed)
  const freed = log.all('leader').find((event) => event.worker === null && event.at >= killed)
  const ms = (led?.at ?? timeline.now()) - killed
  const expiryMs = freed === undefined ? undefined : freed.at - killed
  const why =
    expiryMs === undefined
      ? `session expiry (≤ 2×TTL) + lock-delay ${settings.lockDelay}`
      : `the session expired after ${formatMs(expiryMs)} (TTL ${settings.sessionTTL}, Consul allows up to 2×TTL), ` +
        `then lock-delay ${settings.lockDelay} and the acquire backoff took ${formatMs(ms - expiryMs)}`
  timeline.line('demo', `failover in ${formatMs(ms)}: ${why}`)
  return { next, crashed: leader, ms, expiryMs }
}
