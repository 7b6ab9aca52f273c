/**
 * What the demo observes, in order: leader changes, semaphore slots, workers' children starting
 * and stopping, consul-lock processes exiting. The scenarios act, then wait for the event that
 * proves the effect, with a deadline so the demo can never hang.
 */

export type DemoEvent =
  /** The lock key's holder changed (`worker: null`: nobody holds it). */
  | { type: 'leader'; worker: string | null; session: string | null }
  /**
   * The semaphore's live holders and contenders changed. `leaving`: contenders the demo has
   * stopped, between giving their slot back and deleting their contender key.
   */
  | {
      type: 'slots'
      holders: readonly string[]
      waiting: readonly string[]
      leaving: readonly string[]
      limit: number | undefined
    }
  /** A worker's child started its work (it runs only while its consul-lock holds the lock). */
  | { type: 'working'; worker: string; pid: number; lockHeld: string }
  /** A worker's child got SIGTERM and stops. */
  | { type: 'stopping'; worker: string }
  /** A worker's consul-lock process ended: its exit code or the signal that killed it. */
  | { type: 'exited'; worker: string; code: number | NodeJS.Signals }

export type Stamped<E extends DemoEvent = DemoEvent> = E & { readonly at: number }

type EventOf<T extends DemoEvent['type']> = Extract<DemoEvent, { type: T }>

export interface WaitOptions {
  /** Only events logged at or after this mark (from `mark()`) count. */
  since: number
  /** What is awaited, for the error when the deadline passes. */
  what: string
}

export class EventLog {
  readonly #events: Stamped[] = []
  readonly #wakeups = new Set<() => void>()
  readonly #clock: () => number
  readonly #timeoutMs: number
  readonly #signal: AbortSignal
  readonly #print: (event: DemoEvent) => void

  /**
   * @param clock the timeline's clock, so event times and printed times agree
   * @param timeoutMs the longest any wait may take
   * @param signal aborts every wait (Ctrl-C)
   * @param print shows each event as it is logged
   */
  constructor(
    clock: () => number,
    timeoutMs: number,
    signal: AbortSignal,
    print: (event: DemoEvent) => void,
  ) {
    this.#clock = clock
    this.#timeoutMs = timeoutMs
    this.#signal = signal
    this.#print = print
  }

  push(event: DemoEvent): Stamped {
    const stamped = { ...event, at: this.#clock() }
    this.#print(event)
    this.#events.push(stamped)
    for (const wake of this.#wakeups) wake()
    return stamped
  }

  /** A position in the log: waits given it see only the events logged from now on. */
  mark(): number {
    return this.#events.length
  }

  /** Every event of `type` logged so far. */
  all<T extends DemoEvent['type']>(type: T): Stamped<EventOf<T>>[] {
    return this.#events.filter((event): event is Stamped<EventOf<T>> => event.type === type)
  }

  /** The first event of `type` since `options.since` that satisfies `accept`. */
  waitFor<T extends DemoEvent['type']>(
    type: T,
    accept: (event: EventOf<T>) => boolean,
    options: WaitOptions,
  ): Promise<Stamped<EventOf<T>>> {
    return this.waitUntil(
      (event): event is EventOf<T> => event.type === type && accept(event as EventOf<T>),
      options,
    )
  }

  /** The first event since `options.since` that satisfies `accept`, whatever its type. */
  waitUntil<E extends DemoEvent>(
    accept: (event: DemoEvent) => event is E,
    options: WaitOptions,
  ): Promise<Stamped<E>> {
    const find = () => this.#events.slice(options.since).find(accept) as Stamped<E> | undefined
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        this.#wakeups.delete(check)
        this.#signal.removeEventListener('abort', aborted)
      }
      const check = () => {
        const found = find()
        if (found === undefined) return
        done()
        resolve(found)
      }
      const aborted = () => {
        done()
        reject(this.#signal.reason)
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`timed out after ${this.#timeoutMs} ms waiting for ${options.what}`))
      }, this.#timeoutMs)
      if (this.#signal.aborted) return aborted()
      this.#signal.addEventListener('abort', aborted, { once: true })
      this.#wakeups.add(check)
      check()
    })
  }
}
