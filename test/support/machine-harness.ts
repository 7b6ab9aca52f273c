/**
 * What the unit (and model-based) tests of every machine use: controllable fake actors, a
 * `SimulatedClock` that records its timers' deadlines (`RecordingClock`), and a running machine
 * on both with a collector of what it emits (`startHarness`). `lock-harness.ts` and
 * `semaphore-harness.ts` add each machine's fakes and drives.
 *
 * Every fake is a `fromPromise` actor that records each call (its input and abort signal) and
 * leaves it pending until the test answers it with `resolve`/`reject`, so a test decides when,
 * and how, each Consul call returns. Time moves only when the test calls `advance(ms)`.
 */
import {
  type Actor,
  type AnyActorLogic,
  type AnyMachineSnapshot,
  type AnyStateMachine,
  createActor,
  type EmittedFrom,
  type EventFromLogic,
  fromPromise,
  type InputFrom,
  type PromiseActorLogic,
  SimulatedClock,
  type SnapshotFrom,
  type StateValue,
} from 'xstate'

/** Awaits one macrotask, so promise actors that were answered have reported to the machine. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/** One call of a fake actor. */
export interface FakeCall<TInput, TOutput> {
  readonly input: TInput
  /** The signal the machine aborts when it leaves the invoking state. */
  readonly signal: AbortSignal
  /** True once the test (or an auto-answer) resolved or rejected the call. */
  readonly settled: boolean
  /** Answers the call. Throws if it was already answered. */
  resolve(output: TOutput): void
  /** Fails the call with `error`. Throws if it was already answered. */
  reject(error: unknown): void
}

/** A fake actor: the logic to provide to the machine, and the calls the machine made. */
export interface FakeActor<TInput, TOutput> {
  readonly name: string
  readonly logic: PromiseActorLogic<TOutput, TInput>
  /** Every call so far, oldest first. */
  readonly calls: readonly FakeCall<TInput, TOutput>[]
  /** The inputs of every call so far, oldest first. */
  inputs(): TInput[]
  /** The latest call; throws if there was none. */
  last(): FakeCall<TInput, TOutput>
  /** The one call neither answered nor aborted; throws unless there is exactly one. */
  pending(): FakeCall<TInput, TOutput>
  /** Resolves the pending call (see `pending()`). Await `flush()` before asserting. */
  resolve(output: TOutput): void
  /** Rejects the pending call (see `pending()`). Await `flush()` before asserting. */
  reject(error: unknown): void
  /**
   * Answers every later call at once with `answer(input)` (a thrown error rejects the call);
   * `undefined` goes back to leaving calls pending.
   */
  autoAnswer(answer: ((input: TInput) => TOutput) | undefined): void
}

/** Creates one controllable fake actor; `name` only appears in error messages. */
export function fakeActor<TInput, TOutput>(name: string): FakeActor<TInput, TOutput> {
  const calls: FakeCall<TInput, TOutput>[] = []
  let auto: ((input: TInput) => TOutput) | undefined
  const logic = fromPromise<TOutput, TInput>(
    ({ input, signal }) =>
      new Promise<TOutput>((resolvePromise, rejectPromise) => {
        let settled = false
        const settle = () => {
          if (settled) throw new Error(`fake ${name}: this call was already answered`)
          settled = true
        }
        const call: FakeCall<TInput, TOutput> = {
          input,
          signal,
          get settled() {
            return settled
          },
          resolve(output) {
            settle()
            resolvePromise(output)
          },
          reject(error) {
            settle()
            rejectPromise(error)
          },
        }
        calls.push(call)
        if (auto !== undefined) {
          try {
            call.resolve(auto(input))
          } catch (error) {
            call.reject(error)
          }
        }
      }),
  )
  const pending = () => {
    const open = calls.filter((call) => !call.settled && !call.signal.aborted)
    const [only] = open
    if (open.length !== 1 || only === undefined) {
      throw new Error(`fake ${name}: expected exactly one pending call, found ${open.length}`)
    }
    return only
  }
  return {
    name,
    logic,
    calls,
    inputs: () => calls.map((call) => call.input),
    last() {
      const call = calls.at(-1)
      if (call === undefined) throw new Error(`fake ${name}: was never called`)
      return call
    },
    pending,
    resolve: (output) => pending().resolve(output),
    reject: (error) => pending().reject(error),
    autoAnswer(answer) {
      auto = answer
    },
  }
}

/**
 * A `SimulatedClock` that also keeps, through its public `setTimeout`/`clearTimeout`, the
 * deadline of every timer still pending, so `advanceClock` can step from one due timer to the
 * next without reading the private state of `SimulatedClock`.
 */
export class RecordingClock extends SimulatedClock {
  readonly #deadlines = new Map<number, number>()

  override setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id = super.setTimeout((...args: unknown[]) => {
      this.#deadlines.delete(id)
      fn(...args)
    }, timeout)
    this.#deadlines.set(id, this.now() + timeout)
    return id
  }

  override clearTimeout(id: number): void {
    this.#deadlines.delete(id)
    super.clearTimeout(id)
  }

  /** The earliest deadline of the timers still pending, or `undefined` when none is. */
  nextDeadline(): number | undefined {
    return this.#deadlines.size === 0 ? undefined : Math.min(...this.#deadlines.values())
  }
}

/** How many timers `advanceClock` lets fire in one call before it assumes a timer loop. */
const MAX_TIMER_STEPS = 10_000

/**
 * Advances `clock` by `ms`, one due timer at a time, awaiting a macrotask after each, so that a
 * timer started while the time moves (e.g. the renew timeout of a renew that a timer started)
 * counts from when it was really started, not from the end of the jump.
 * (`SimulatedClock.increment` jumps first and then fires what is due.)
 */
export async function advanceClock(clock: RecordingClock, ms: number): Promise<void> {
  const target = clock.now() + ms
  for (let steps = 0; ; steps++) {
    const next = clock.nextDeadline()
    if (next === undefined || next > target) break
    if (steps === MAX_TIMER_STEPS) throw new Error(`advanceClock: over ${MAX_TIMER_STEPS} timers fired`)
    clock.set(Math.max(next, clock.now()))
    await flush()
  }
  clock.set(target)
  await flush()
}

/**
 * Turns a dotted state path into a state value for `snapshot.matches`:
 * `'session.lock.pending.waiting'` → `{ session: { lock: { pending: 'waiting' } } }`.
 */
export function statePath(path: string): StateValue {
  const parts = path.split('.')
  let value: StateValue = parts.at(-1) ?? ''
  for (const part of parts.slice(0, -1).reverse()) value = { [part]: value }
  return value
}

/** Answers the pending call of `fake` and awaits a macrotask. */
export async function answer<TInput, TOutput>(fake: FakeActor<TInput, TOutput>, output: TOutput) {
  fake.resolve(output)
  await flush()
}

/** Fails the pending call of `fake` and awaits a macrotask. */
export async function fail<TInput, TOutput>(fake: FakeActor<TInput, TOutput>, error: unknown) {
  fake.reject(error)
  await flush()
}

/**
 * `machine` with each of its actors replaced by the fake of the same name. Throws if an actor
 * has no fake, so a machine that gains an actor cannot reach Consul from a unit test.
 */
export function withFakes<TMachine extends AnyStateMachine>(
  machine: TMachine,
  fakes: { [name: string]: { logic: AnyActorLogic } },
): TMachine {
  const missing = Object.keys(machine.implementations.actors).filter((name) => fakes[name] === undefined)
  if (missing.length > 0) throw new Error(`no fake for the actors ${missing.join(', ')}`)
  const actors = Object.fromEntries(Object.entries(fakes).map(([name, fake]) => [name, fake.logic]))
  return machine.provide({ actors }) as TMachine
}

/** Records the notifications an actor emits (`actor.on('*')`), oldest first. */
export function collectNotifications<TMachine extends AnyStateMachine>(
  actor: Pick<Actor<TMachine>, 'on'>,
): EmittedFrom<TMachine>[] {
  const seen: EmittedFrom<TMachine>[] = []
  actor.on('*', (event: EmittedFrom<TMachine>) => {
    seen.push(event)
  })
  return seen
}

/** A running machine on fakes and a simulated clock. */
export interface MachineHarness<TMachine extends AnyStateMachine, TFakes> {
  readonly actor: Actor<TMachine>
  readonly clock: RecordingClock
  readonly fakes: TFakes
  /** Everything the machine emitted, oldest first. */
  readonly notifications: EmittedFrom<TMachine>[]
  /** Errors the actor reported to its observer (none expected). */
  readonly errors: unknown[]
  snapshot(): SnapshotFrom<TMachine>
  /** `snapshot().matches(statePath(path))`. */
  matches(path: string): boolean
  /** The emitted notifications of one type. */
  notified<T extends EmittedFrom<TMachine>['type']>(type: T): Extract<EmittedFrom<TMachine>, { type: T }>[]
  /** The type of every emitted notification, oldest first. */
  notifiedTypes(): EmittedFrom<TMachine>['type'][]
  /** Sends a command, then awaits a macrotask. */
  send(command: EventFromLogic<TMachine>): Promise<void>
  /** Advances the simulated clock by `ms` (see `advanceClock`). */
  advance(ms: number): Promise<void>
  stop(): void
}

/** Starts `machine` (already provided with the actors of `fakes`) on a new `RecordingClock`. */
export function startHarness<TMachine extends AnyStateMachine, TFakes>(
  machine: TMachine,
  fakes: TFakes,
  input: InputFrom<TMachine>,
): MachineHarness<TMachine, TFakes> {
  type Emitted = EmittedFrom<TMachine>
  const clock = new RecordingClock()
  const actor = createActor(machine, { clock, input }) as Actor<TMachine>
  const notifications = collectNotifications<TMachine>(actor)
  const errors: unknown[] = []
  actor.subscribe({ error: (error) => errors.push(error) })
  actor.start()
  return {
    actor,
    clock,
    fakes,
    notifications,
    errors,
    snapshot: () => actor.getSnapshot(),
    matches: (path) => (actor.getSnapshot() as AnyMachineSnapshot).matches(statePath(path)),
    notified: <T extends Emitted['type']>(type: T) =>
      notifications.filter((event): event is Extract<Emitted, { type: T }> => event.type === type),
    notifiedTypes: () => notifications.map((event) => event.type),
    async send(command) {
      actor.send(command)
      await flush()
    },
    advance: (ms) => advanceClock(clock, ms),
    stop: () => actor.stop(),
  }
}
