/**
 * What the model support knows of every machine that holds something in Consul through a session
 * (the lock, the semaphore): the events they raise for themselves, the commands they take, and
 * what holds in every state (their contexts share `SessionContext`,
 * `machines/session-lifecycle.types.ts`).
 */
import { expect } from 'vitest'
import type { AnyStateMachine } from 'xstate'
import { CLEANUP_RETRIES } from '../../../machines/lock.timing.js'
import type { SessionContext } from '../../../machines/session-lifecycle.types.js'
import {
  type LedgerPart,
  ledgerOf,
  oneAcquiredPerHold,
  sessionsDestroyed,
  writesNeverAbandoned,
} from './ledger-parts.js'
import { defineModel, type MachineModel, type MachineModelSpec } from './machine-model.js'
import { stateName } from './path-names.js'
import { chartState, type TimedSnapshot } from './timed-model.js'

/**
 * The part of a session-backed machine's context that decides what it does next, as far as the
 * shared lifecycle reads it (`SessionContext`): a machine's `contextIdentity` adds its own fields.
 */
export function sessionContextIdentity(context: SessionContext) {
  return {
    session: context.session,
    ownsSession: context.ownsSession,
    ttlMs: context.ttlMs,
    leaseMs: context.leaseMs,
    waitIndex: String(context.waitIndex),
    tryOnce: context.tryOnce,
    tryWaitMs: context.tryWaitMs,
    monitorFailures: context.monitorFailures,
    // `canRetryCleanup` and the `cleanupRetry` delay.
    cleanupRetries: context.cleanupRetries,
    // `renewalFailing`: what is acquired while renewal fails is suspect from the start.
    renewFailing: context.renewError !== undefined,
    held: context.lease !== null,
    queuedAcquire: context.queuedAcquire,
  }
}

/**
 * What of a session-backed machine's notification the model predicts exactly: its type, and the
 * reason of a loss, the cause of a suspicion, the kind and code of an error.
 */
export function notificationSummary(event: {
  type: string
  reason?: string
  cause?: string
  error?: unknown
}): Record<string, unknown> {
  const { type } = event
  if (type.endsWith('.lost')) return { type, reason: event.reason }
  if (type.endsWith('.suspect')) return { type, cause: event.cause }
  if (type.endsWith('.error')) {
    const { name, code } = event.error as { name: string; code?: string }
    return { type, error: name, code }
  }
  return { type }
}

/** What sets one session-backed machine's model apart (see `MachineModelSpec`). */
export interface SessionModelSpec<TMachine extends AnyStateMachine, TFakes>
  extends Pick<
    MachineModelSpec<TMachine, TFakes>,
    'machine' | 'contextIdentity' | 'summary' | 'start' | 'writes'
  > {
  /** The machine's id, the topic of its notifications (`lock.acquired`, …). */
  id: 'lock' | 'semaphore'
  /** The actor whose session rejection means the session is gone on the server, if any. */
  rejectedBy?: string
  /** The ledger parts of this machine alone, fresh for one replay on `fakes`. */
  ledgerParts?: (fakes: TFakes) => LedgerPart[]
}

/**
 * The model of a session-backed machine: the signals it raises for itself, the commands it
 * takes, the invariants of every state, and a ledger checking that no session it created is left
 * behind, that `held` and its `<id>.acquired` notifications agree, and that no write in flight
 * is abandoned, besides the machine's own parts.
 */
export function defineSessionModel<TMachine extends AnyStateMachine, TFakes>(
  spec: SessionModelSpec<TMachine, TFakes>,
): MachineModel<TMachine, TFakes> {
  const { id, rejectedBy, ledgerParts = () => [], ...rest } = spec
  const model: MachineModel<TMachine, TFakes> = defineModel<TMachine, TFakes>({
    ...rest,
    raised: new Set([
      'session.renewed',
      'session.renewFailed',
      'session.expired',
      'session.invalidated',
      `${id}.tryBudgetSpent`,
    ]),
    commands: new Set(['ACQUIRE', 'CANCEL', 'RELEASE', 'DESTROY']),
    ledger: (fakes) =>
      ledgerOf(
        sessionsDestroyed(rejectedBy),
        oneAcquiredPerHold(id),
        writesNeverAbandoned(fakes as object, spec.writes),
        ...ledgerParts(fakes),
      ),
    invariants: (state) => expectSessionInvariants(state, model),
  })
  return model
}

/** The public phase tags: a machine is in exactly one of them. */
const PHASES = ['idle', 'pending', 'held', 'releasing', 'destroying']
/** Every tag a machine may carry: a phase, and `suspect` beside `held`. */
const PUBLIC_TAGS = new Set([...PHASES, 'suspect'])

/** The names of every property in `value`, at any depth. */
function propertyNames(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return []
  return Object.entries(value).flatMap(([name, child]) => [name, ...propertyNames(child)])
}

export interface SessionMachineShape {
  /** The actors that write to Consul (a session renew aside, which runs beside them by design). */
  writes: ReadonlySet<string>
  /** The actor an invoke id runs. */
  srcOf(invokeId: string): string
}

export function expectSessionInvariants<TMachine extends AnyStateMachine>(
  state: TimedSnapshot<TMachine>,
  { writes, srcOf }: SessionMachineShape,
): void {
  const machine = chartState(state)
  const { context } = machine
  const at = `${stateName(machine.value)} ${JSON.stringify(context.session)}`
  expect(machine.status, at).toBe('active')
  expect(
    [...machine.tags].filter((tag) => !PUBLIC_TAGS.has(tag)),
    `only public tags, ${at}`,
  ).toEqual([])
  const phases = PHASES.filter((tag) => machine.hasTag(tag))
  expect(phases, `one phase tag, ${at}`).toHaveLength(1)
  if (machine.hasTag('suspect')) expect(phases, `suspect only while held, ${at}`).toEqual(['held'])
  if (machine.hasTag('held')) {
    expect(context.lease, `held with what was acquired, ${at}`).not.toBeNull()
    expect(context.session, `held with a session, ${at}`).not.toBeNull()
  }
  const running = Object.keys(machine.children).map(srcOf)
  if (machine.hasTag('idle')) {
    expect(state.timers, `no timer left running, ${at}`).toEqual([])
    expect(running, `no Consul call left running, ${at}`).toEqual([])
  }
  expect(
    running.filter((actor) => writes.has(actor)).length,
    `one Consul write at a time, ${at}: ${running}`,
  ).toBeLessThanOrEqual(1)
  if (machine.matches({ session: { renewing: 'keepingAlive' } })) {
    expect(context.ownsSession, `renews only its own session, ${at}`).toBe(true)
  }
  expect(
    context.cleanupRetries,
    `retries a cleanup step at most ${CLEANUP_RETRIES} times, ${at}`,
  ).toBeLessThanOrEqual(CLEANUP_RETRIES)
  expect(
    propertyNames(context).filter((name) => /token/i.test(name)),
    `no token in the context, ${at}`,
  ).toEqual([])
}
