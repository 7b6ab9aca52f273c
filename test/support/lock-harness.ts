/**
 * A harness for unit (and model-based) tests of `lockMachine`: controllable fake actors, a
 * `SimulatedClock` that records its timers' deadlines (`RecordingClock`), and a collector of the
 * notifications the lock emits.
 *
 * Every fake is a `fromPromise` actor that records each call (its input and abort signal) and
 * leaves it pending until the test answers it with `resolve`/`reject`, so a test decides when,
 * and how, each Consul call returns. Time moves only when the test calls `advance(ms)`.
 */
import {
  type Actor,
  createActor,
  fromPromise,
  type PromiseActorLogic,
  SimulatedClock,
  type SnapshotFrom,
  type StateValue,
} from 'xstate'
import type { AcquireKeyInput, AcquireOutcome } from '../../machines/actors/acquire-key.js'
import type { CreatedSession, CreateSessionInput } from '../../machines/actors/create-session.js'
import type { DeleteKeyInput } from '../../machines/actors/delete-key.js'
import type { DestroySessionInput } from '../../machines/actors/destroy-session.js'
import type { KeyRead, ReadKeyInput } from '../../machines/actors/read-key.js'
import type { ReleaseKeyInput } from '../../machines/actors/release-key.js'
import type { RenewedSession, RenewSessionInput } from '../../machines/actors/renew-session.js'
import { LOCK_FLAG_VALUE } from '../../machines/flags.js'
import { lockMachine } from '../../machines/lock.machine.js'
import type { LockOptions } from '../../machines/lock.options.js'
import type { LockCommand, LockNotification } from '../../machines/lock.types.js'
import type { Duration } from '../../src/consul/duration.js'
import type { KVPair } from '../../src/consul/types.js'

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

/** One fake per actor of `lockMachine`, named as the machine names them. */
export interface LockFakes {
  createSession: FakeActor<CreateSessionInput, CreatedSession>
  renewSession: FakeActor<RenewSessionInput, RenewedSession | null>
  destroySession: FakeActor<DestroySessionInput, void>
  readKey: FakeActor<ReadKeyInput, KeyRead>
  acquireKey: FakeActor<AcquireKeyInput, AcquireOutcome>
  releaseKey: FakeActor<ReleaseKeyInput, boolean>
  deleteKey: FakeActor<DeleteKeyInput, boolean>
}

/** Fresh fakes for every actor of the lock machine. */
export function createLockFakes(): LockFakes {
  return {
    createSession: fakeActor('createSession'),
    renewSession: fakeActor('renewSession'),
    destroySession: fakeActor('destroySession'),
    readKey: fakeActor('readKey'),
    acquireKey: fakeActor('acquireKey'),
    releaseKey: fakeActor('releaseKey'),
    deleteKey: fakeActor('deleteKey'),
  }
}

/** `lockMachine` with its actors replaced by `fakes`. */
export function fakeLockMachine(fakes: LockFakes) {
  return lockMachine.provide({
    actors: {
      createSession: fakes.createSession.logic,
      renewSession: fakes.renewSession.logic,
      destroySession: fakes.destroySession.logic,
      readKey: fakes.readKey.logic,
      acquireKey: fakes.acquireKey.logic,
      releaseKey: fakes.releaseKey.logic,
      deleteKey: fakes.deleteKey.logic,
    },
  })
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

/** Records the notifications an actor emits (`actor.on('*')`), oldest first. */
export function collectNotifications(actor: Pick<LockActor, 'on'>): LockNotification[] {
  const seen: LockNotification[] = []
  actor.on('*', (event) => {
    seen.push(event)
  })
  return seen
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

export type LockActor = Actor<typeof lockMachine>
export type LockSnapshot = SnapshotFrom<typeof lockMachine>

/** A running lock machine on fakes and a simulated clock. */
export interface LockHarness {
  readonly actor: LockActor
  readonly clock: RecordingClock
  readonly fakes: LockFakes
  /** Everything the lock emitted, oldest first. */
  readonly notifications: LockNotification[]
  /** Errors the actor reported to its observer (none expected). */
  readonly errors: unknown[]
  snapshot(): LockSnapshot
  /** `snapshot().matches(statePath(path))`. */
  matches(path: string): boolean
  /** The emitted notifications of one type. */
  notified<T extends LockNotification['type']>(type: T): Extract<LockNotification, { type: T }>[]
  /** The type of every emitted notification, oldest first. */
  notifiedTypes(): LockNotification['type'][]
  /** Sends a command, then awaits a macrotask. */
  send(command: LockCommand): Promise<void>
  /** Advances the simulated clock by `ms` (see `advanceClock`). */
  advance(ms: number): Promise<void>
  stop(): void
}

/** Starts `lockMachine` on fresh fakes (or the given ones) and a new `RecordingClock`. */
export function startLock(input: LockOptions, fakes: LockFakes = createLockFakes()): LockHarness {
  const clock = new RecordingClock()
  const actor = createActor(fakeLockMachine(fakes), { clock, input })
  const notifications = collectNotifications(actor)
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
    matches: (path) => actor.getSnapshot().matches(statePath(path) as never),
    notified: <T extends LockNotification['type']>(type: T) =>
      notifications.filter((event): event is Extract<LockNotification, { type: T }> => event.type === type),
    notifiedTypes: () => notifications.map((event) => event.type),
    async send(command) {
      actor.send(command)
      await flush()
    },
    advance: (ms) => advanceClock(clock, ms),
    stop: () => actor.stop(),
  }
}

/** A KV entry of a lock key: the lock flags and small indexes unless overridden. */
export function kvPair(fields: Partial<KVPair> & { key: string }): KVPair {
  return {
    value: null,
    flags: LOCK_FLAG_VALUE,
    lockIndex: 1n,
    createIndex: 1n,
    modifyIndex: 1n,
    ...fields,
  }
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

/** What `driveToWaiting` sends and answers; every field has a default. */
export interface WaitingScenario {
  session?: string
  /** How long the create took (it shortens the first lease and a tryOnce budget). */
  createElapsedMs?: number
  /** The `tryOnce` of the ACQUIRE. */
  tryOnce?: boolean
  /** The `wait` of the ACQUIRE. */
  wait?: Duration
}

/**
 * From `idle`: sends `ACQUIRE` (with the scenario's `tryOnce` and `wait`) and answers the session
 * create (unless the lock uses the caller's session). Ends in `waiting`, its first read pending.
 */
export async function driveToWaiting(h: LockHarness, scenario: WaitingScenario = {}): Promise<void> {
  const { session = 'sess-1', createElapsedMs = 0, tryOnce, wait } = scenario
  await h.send({
    type: 'ACQUIRE',
    ...(tryOnce === undefined ? {} : { tryOnce }),
    ...(wait === undefined ? {} : { wait }),
  })
  if (h.snapshot().context.settings.session === null) {
    await answer(h.fakes.createSession, { id: session, elapsedMs: createElapsedMs })
  }
  if (!h.matches('session.lock.pending.waiting')) throw new Error('driveToWaiting: the lock is not waiting')
}

/** What `driveToHeld` answers; every field has a default. */
export interface HeldScenario extends WaitingScenario {
  lockIndex?: bigint
  modifyIndex?: bigint
}

/** From `idle`: as `driveToWaiting`, then reads the key as absent. Ends with the acquire in flight. */
export async function driveToAcquiring(h: LockHarness, scenario: WaitingScenario = {}): Promise<void> {
  await driveToWaiting(h, scenario)
  await answer(h.fakes.readKey, { pair: null, index: 5n })
  if (!h.matches('session.lock.pending.acquiring.inFlight')) {
    throw new Error('driveToAcquiring: no acquire in flight')
  }
}

/** From `idle`: as `driveToAcquiring`, then lets the acquire succeed. Ends in `held`. */
export async function driveToHeld(h: LockHarness, scenario: HeldScenario = {}): Promise<void> {
  const { lockIndex = 1n, modifyIndex = 10n } = scenario
  await driveToAcquiring(h, scenario)
  await answer(h.fakes.acquireKey, { acquired: true, lockIndex, modifyIndex })
  if (!h.snapshot().hasTag('held')) throw new Error('driveToHeld: the lock is not held')
}

/**
 * Answers what is left of a cleanup (`releasing` or `abandoning`): the key release (with
 * `released`) if the lock is at it, then the session destroy if the lock is at it. Throws unless
 * the lock ends idle. It does not say which calls were made: a test that cares checks the fakes.
 */
export async function finishCleanup(h: LockHarness, released = true): Promise<void> {
  const at = (step: string) => h.matches(`releasing.${step}`) || h.matches(`abandoning.${step}`)
  if (at('releasingKey')) await answer(h.fakes.releaseKey, released)
  if (at('destroyingSession')) await answer(h.fakes.destroySession, undefined)
  if (!h.matches('idle')) {
    throw new Error(`finishCleanup: the lock is not idle but in ${JSON.stringify(h.snapshot().value)}`)
  }
}
