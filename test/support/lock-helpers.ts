/**
 * Helpers for the Lock facade's integration tests: a factory of locks that are always disposed,
 * session leak checks that work on a shared agent, awaiting emitted notifications, and a holder
 * that takes a key by raw HTTP exactly the way Go's `api.Lock` does.
 */
import { afterEach, expect } from 'vitest'
import {
  type Actor,
  type AnyActorLogic,
  type AnyActorRef,
  type EmittedFrom,
  type InspectionEvent,
  waitFor,
} from 'xstate'
import { LOCK_FLAG_VALUE } from '../../machines/flags.js'
import type { LockOptions } from '../../machines/lock.options.js'
import type { Consul } from '../../src/client.js'
import type { Lock, LockActorOptions } from '../../src/lock.js'
import type { ClientSuite } from './client-target.js'
import type { ConsulTarget } from './consul-target.js'
import { createSession, raw } from './raw-http.js'

/** `LockFlagValue` as it appears in Consul's JSON and in Go's query strings. */
export const LOCK_FLAGS_DECIMAL = LOCK_FLAG_VALUE.toString()

type EmittedBy<TActor> = TActor extends Actor<infer TLogic> ? EmittedFrom<TLogic> : never
type NotificationOf<TActor, T> = Extract<EmittedBy<TActor>, { type: T }>

/** Resolves with the next notification of `type` the actor (a lock's, a semaphore's) emits. */
export function nextNotification<
  TActor extends Actor<AnyActorLogic>,
  const T extends EmittedBy<TActor>['type'],
>(actor: TActor, type: T): Promise<NotificationOf<TActor, T>> {
  return new Promise((resolve) => {
    const subscription = actor.on(type, (event) => {
      subscription.unsubscribe()
      resolve(event as NotificationOf<TActor, T>)
    })
  })
}

/** Resolves once the lock is back in `idle` (any cleanup it was doing has finished). */
export async function lockIdle(lock: Lock): Promise<void> {
  await waitFor(lock.actor, (snapshot) => snapshot.hasTag('idle'))
}

/** Resolves with `signal.reason` and the time (`performance.now()`) it aborted. */
export function whenAborted(signal: AbortSignal): Promise<{ reason: unknown; at: number }> {
  if (signal.aborted) return Promise.resolve({ reason: signal.reason, at: performance.now() })
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => resolve({ reason: signal.reason, at: performance.now() }), {
      once: true,
    })
  })
}

/** The IDs of the sessions named `name` on the target (a real agent is shared: name them per suite). */
export async function sessionsNamed(consul: Consul, name: string): Promise<string[]> {
  const { value } = await consul.session.list()
  return value.filter((session) => session.name === name).map((session) => session.id)
}

/** Of the given session IDs, those the target still knows. */
export async function liveSessions(consul: Consul, ids: readonly string[]): Promise<string[]> {
  const { value } = await consul.session.list()
  const live = new Set(value.map((session) => session.id))
  return ids.filter((id) => live.has(id))
}

/** Asserts none of the given sessions exists any more. */
export async function expectNoLeakedSessions(consul: Consul, ids: readonly string[]): Promise<void> {
  expect(await liveSessions(consul, ids)).toEqual([])
}

/** Who holds `key` now (`undefined`: nobody, or the key is missing). */
export async function holderOf(consul: Consul, key: string): Promise<string | undefined> {
  return (await consul.kv.get(key)).value?.session
}

/**
 * Returns a function that registers a lock or semaphore to dispose after each test of the
 * calling file; then no session named `sessionName` may be left on the target.
 */
export function useDisposedAfterEach(
  suite: ClientSuite,
  sessionName: string,
): <T extends AsyncDisposable>(made: T) => T {
  const made: AsyncDisposable[] = []
  afterEach(async () => {
    await Promise.all(made.splice(0).map((item) => item[Symbol.asyncDispose]()))
    expect(await sessionsNamed(suite.consul, sessionName)).toEqual([])
  })
  return (item) => {
    made.push(item)
    return item
  }
}

export interface LockFactory {
  /** The name of every session the factory's locks create; checked for leaks after each test. */
  readonly sessionName: string
  /** A fresh key under the suite's prefix. */
  key(label: string): string
  /**
   * A lock with test defaults (short TTL, no lock-delay, the factory's session name), disposed
   * after the test. Options given override the defaults (`lockDelay: undefined` restores Consul's).
   */
  lock(options: Partial<LockOptions> & { key: string }, actorOptions?: LockActorOptions): Lock
  /** The session TTL the factory uses by default, in ms: the target's minimum, at least 1 s. */
  readonly ttlMs: number
}

/**
 * Locks for the calling test file. After each test every lock made is disposed (cancelled or
 * released, its session destroyed) and no session named `sessionName` may be left on the target.
 */
export function useLocks(suite: ClientSuite): LockFactory {
  const sessionName = `${suite.prefix} lock`
  const disposeAfterEach = useDisposedAfterEach(suite, sessionName)
  let keys = 0
  return {
    sessionName,
    get ttlMs() {
      return Math.max(suite.target.minTTLms, 1000)
    },
    key: (label) => `${suite.prefix}/${label}-${++keys}`,
    lock(options, actorOptions) {
      const lock = suite.consul.lock(
        {
          sessionName,
          sessionTTL: Math.max(suite.target.minTTLms, 1000),
          lockDelay: 0,
          lockWaitTime: '15s',
          ...options,
        },
        actorOptions,
      )
      return disposeAfterEach(lock)
    },
  }
}

/** A session that locks a key with raw HTTP requests, exactly as Go's `api.Lock` sends them. */
export interface GoStyleHolder {
  readonly session: string
  /** `PUT /v1/kv/<key>?acquire=<session>&flags=<LockFlagValue>`: Consul's `true`/`false`. */
  acquire(value?: string): Promise<boolean>
  /** `PUT /v1/kv/<key>?release=<session>&flags=<LockFlagValue>`: Consul's `true`/`false`. */
  release(value?: string): Promise<boolean>
  /** `PUT /v1/session/destroy/<session>`. */
  destroy(): Promise<void>
}

/**
 * Creates a session by raw HTTP (no TTL, so it outlives any test; destroy it, or register it
 * with `suite.track`) that locks `key` the way Go does.
 */
export async function goStyleHolder(
  target: Pick<ConsulTarget, 'address' | 'token'>,
  key: string,
  sessionBody: object = { Name: 'Go-style holder', LockDelay: '0s' },
): Promise<GoStyleHolder> {
  const session = await createSession(target, sessionBody)
  const write = async (operation: 'acquire' | 'release', value = '') => {
    const res = await raw(
      target,
      'PUT',
      `/v1/kv/${key}?${operation}=${session}&flags=${LOCK_FLAGS_DECIMAL}`,
      { body: value },
    )
    if (res.status !== 200) throw new Error(`${operation}: ${res.status} ${res.text}`)
    return res.text.trim() === 'true'
  }
  return {
    session,
    acquire: (value) => write('acquire', value),
    release: (value) => write('release', value),
    async destroy() {
      const res = await raw(target, 'PUT', `/v1/session/destroy/${session}`)
      if (res.status !== 200) throw new Error(`destroy: ${res.status} ${res.text}`)
    },
  }
}

/**
 * Whether `promise` settles (either way) within `ms`: for asserting a promise is not left
 * hanging, without waiting out the test timeout when it is.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms)
  })
  const settled = promise.then(
    () => true,
    () => true,
  )
  try {
    return await Promise.race([settled, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Watches a lock's session renewals through its actor's inspection events (pass `inspect` as
 * the lock's actor option): how many were sent, how many succeeded, when the first was sent,
 * and, per success, when that renew was sent.
 */
export function watchRenewals(onSuccess: (sentAt: number) => void = () => {}) {
  const sentAt = new Map<string, number>()
  let sent = 0
  let succeeded = 0
  let firstSent: () => void = () => {}
  const firstRenewal = new Promise<void>((resolve) => {
    firstSent = resolve
  })
  return {
    inspect(event: InspectionEvent) {
      if (event.type === '@xstate.actor' && (event.actorRef as AnyActorRef).id === 'renewSession') {
        sent++
        sentAt.set(event.actorRef.sessionId, performance.now())
        firstSent()
      }
      if (event.type === '@xstate.event' && event.event.type === 'xstate.done.actor.renewSession') {
        const output = (event.event as { output?: unknown }).output
        const started = event.sourceRef === undefined ? undefined : sentAt.get(event.sourceRef.sessionId)
        if (output !== null && started !== undefined) {
          succeeded++
          onSuccess(started)
        }
      }
    },
    /** Renewals sent so far. */
    get sent() {
      return sent
    },
    /** Renewals that succeeded so far. */
    get succeeded() {
      return succeeded
    },
    /** Resolves when the first renewal is sent. */
    firstRenewal,
  }
}

/**
 * Resolves once a lock's machine has started `count` actors with this invoke id (e.g. `readKey`:
 * its reads of the key). Pass `inspect` as the lock's actor option.
 */
export function actorStarts(id: string, count: number) {
  let started = 0
  let reached: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    reached = resolve
  })
  return {
    inspect(event: InspectionEvent) {
      if (
        event.type === '@xstate.actor' &&
        (event.actorRef as AnyActorRef).id === id &&
        ++started === count
      ) {
        reached()
      }
    },
    done,
  }
}
