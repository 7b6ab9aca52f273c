/**
 * Part 2: three workers run `consul-lock -n 2 … <prefix> <child>`: two hold a slot at once, the
 * third waits, and takes the slot that one of them gives up.
 */
import {
  childWorks,
  type DemoContext,
  expectCleanExits,
  isLeaving,
  WORKER_NAMES,
  whileObserving,
  workerNamed,
} from './context.js'
import { observeSlots } from './observe-slots.js'
import { showStatus } from './show-status.js'
import { formatMs } from './timeline.js'

export interface SemaphoreResult {
  limit: number
  /** The most live holders the semaphore's record ever listed at once. */
  maxHolders: number
  /** SIGTERM to a holder → the waiting worker holds the freed slot. */
  slotHandoffMs: number
}

const LIMIT = 2

export async function semaphoreScenario(context: DemoContext): Promise<SemaphoreResult> {
  const { consul, settings, timeline, log } = context
  const prefix = `${settings.runId}/pool`
  timeline.text()
  timeline.text(
    `2. A semaphore: three workers run consul-lock -n ${LIMIT} on ${prefix}; two may work at once`,
  )
  const since = log.mark()
  const leaving = (worker: string) => isLeaving(context, worker)
  const observe = (signal: AbortSignal) => observeSlots(consul, prefix, context.names, leaving, log, signal)
  return whileObserving(context, 'the semaphore', observe, async () => {
    await log.waitFor('slots', () => true, { since, what: 'the first read of the semaphore' })
    const workers = WORKER_NAMES.map((name) => context.start({ name, prefix, limit: LIMIT }))
    const full = await log.waitFor(
      'slots',
      (event) => event.holders.length === LIMIT && event.waiting.length === workers.length - LIMIT,
      { since, what: `${LIMIT} holders and 1 waiting worker` },
    )
    for (const holder of full.holders) {
      await childWorks(context, holder, since)
    }
    const [first, second] = full.holders as [string, string]
    const waiter = full.waiting[0] as string
    timeline.line('demo', `${first} and ${second} hold the two slots at once; ${waiter} waits`)
    await showStatus(context, prefix)

    const slotHandoffMs = await freeASlot(context, first, waiter)
    // One after the other: the last to release then finds the semaphore unused and deletes its
    // record (two releasing at once could each see the other and both leave it).
    for (const name of [second, waiter]) {
      const stopped = log.mark()
      timeline.line('demo', `SIGTERM → ${name}'s consul-lock`)
      workerNamed(context, name).stop()
      await log.waitFor('exited', (event) => event.worker === name, {
        since: stopped,
        what: `${name} to exit`,
      })
    }
    await expectCleanExits(context, workers, [], since)
    // Only this part of the demo observes slots.
    const maxHolders = Math.max(...log.all('slots').map((event) => event.holders.length))
    return { limit: LIMIT, maxHolders, slotHandoffMs }
  })
}

/** Stops `holder` and waits until `waiter` holds the slot it gave back: returns how long it took. */
async function freeASlot(context: DemoContext, holder: string, waiter: string): Promise<number> {
  const { timeline, log } = context
  timeline.line('demo', `SIGTERM → ${holder}'s consul-lock: its slot frees up`)
  const mark = log.mark()
  const sent = timeline.now()
  workerNamed(context, holder).stop()
  const taken = await log.waitFor('slots', (event) => event.holders.includes(waiter), {
    since: mark,
    what: `${waiter} to get a slot`,
  })
  await childWorks(context, waiter, mark)
  const ms = taken.at - sent
  timeline.line('demo', `${waiter} got the freed slot ${formatMs(ms)} after the SIGTERM`)
  return ms
}
