/**
 * Part 2: three workers run `consul-lock -n 2 … <prefix> <child>`: two hold a slot at once, the
 * third waits, and takes the slot that one of them gives up.
 */
import { type DemoContext, workerNamed } from './context.js'
import { observeSlots } from './observe-slots.js'
import { expectCleanExits } from './scenario-lock.js'
import { formatMs } from './timeline.js'

export interface SemaphoreResult {
  limit: number
  /** The most live holders the semaphore's record ever listed at once. */
  maxHolders: number
  /** SIGTERM to a holder → the waiting worker holds the freed slot. */
  slotHandoffMs: number
}

const WORKERS = ['worker-1', 'worker-2', 'worker-3']
const LIMIT = 2

export async function semaphoreScenario(context: DemoContext): Promise<SemaphoreResult> {
  const { settings, timeline, log } = context
  const prefix = `${settings.runId}/pool`
  timeline.text()
  timeline.text(`2. A semaphore: three workers run consul-lock -n ${LIMIT} on ${prefix}; two may work at once`)
  const observing = new AbortController()
  const since = log.mark()
  const observer = observeSlots(
    context.consul,
    prefix,
    context.names,
    (worker) => context.workers.some((candidate) => candidate.name === worker && candidate.running && candidate.leaving),
    log,
    AbortSignal.any([context.signal, observing.signal]),
  )
  observer.catch((error: unknown) => context.problem(`observing the semaphore failed: ${String(error)}`))
  try {
    await log.waitFor('slots', () => true, { since, what: 'the first read of the semaphore' })
    const workers = WORKERS.map((name) => context.start({ name, prefix, limit: LIMIT }))
    const full = await log.waitFor(
      'slots',
      (event) => event.holders.length === LIMIT && event.waiting.length === WORKERS.length - LIMIT,
      { since, what: `${LIMIT} holders and 1 waiting worker` },
    )
    for (const holder of full.holders) {
      await log.waitFor('working', (event) => event.worker === holder, { since, what: `${holder}'s child to work` })
    }
    const [leaving, staying] = full.holders as [string, string]
    const waiter = full.waiting[0] as string
    timeline.line('demo', `${leaving} and ${staying} hold the two slots at once; ${waiter} waits`)

    timeline.line('demo', `SIGTERM → ${leaving}'s consul-lock: its slot frees up`)
    const mark = log.mark()
    const sent = timeline.now()
    workerNamed(context, leaving).stop()
    const taken = await log.waitFor('slots', (event) => event.holders.includes(waiter), {
      since: mark,
      what: `${waiter} to get a slot`,
    })
    await log.waitFor('working', (event) => event.worker === waiter, { since: mark, what: `${waiter}'s child to work` })
    const slotHandoffMs = taken.at - sent
    timeline.line('demo', `${waiter} got the freed slot ${formatMs(slotHandoffMs)} after the SIGTERM`)

    // One after the other: the last to release then finds the semaphore unused and deletes its
    // record (two releasing at once could each see the other and both leave it).
    for (const name of [staying, waiter]) {
      const stopped = log.mark()
      workerNamed(context, name).stop()
      await log.waitFor('exited', (event) => event.worker === name, { since: stopped, what: `${name} to exit` })
    }
    await expectCleanExits(context, workers, [], since)
    // Only this part of the demo observes slots.
    const maxHolders = Math.max(...log.all('slots').map((event) => event.holders.length))
    return { limit: LIMIT, maxHolders, slotHandoffMs }
  } finally {
    observing.abort()
    await observer.catch(() => {})
  }
}
