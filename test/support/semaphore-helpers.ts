/**
 * Helpers for the Semaphore facade's integration tests: a factory of semaphores that are always
 * disposed, a reader of the `<prefix>/.lock` coordination record, and a contender that takes a
 * slot with raw HTTP requests exactly the way Go's `api.Semaphore` sends them.
 */
import { waitFor } from 'xstate'
import { SEMAPHORE_FLAG_VALUE } from '../../machines/flags.js'
import type { SemaphoreOptions } from '../../machines/semaphore.options.js'
import type { Consul } from '../../src/client.js'
import type { Semaphore, SemaphoreActorOptions } from '../../src/semaphore.js'
import type { ClientSuite } from './client-target.js'
import type { ConsulTarget } from './consul-target.js'
import { useDisposedAfterEach } from './lock-helpers.js'
import { createSession, raw } from './raw-http.js'

/** `SemaphoreFlagValue` as it appears in Consul's JSON and in Go's query strings. */
export const SEMAPHORE_FLAGS_DECIMAL = SEMAPHORE_FLAG_VALUE.toString()

/** The `.lock` record's JSON exactly as Go's `encoding/json` writes it (map keys sorted). */
export function recordJson(limit: number, holders: readonly string[]): string {
  const set = Object.fromEntries([...holders].sort().map((session) => [session, true]))
  return JSON.stringify({ Limit: limit, Holders: set })
}

/** Resolves once the semaphore is back in `idle` (any cleanup it was doing has finished). */
export async function semaphoreIdle(semaphore: Semaphore): Promise<void> {
  await waitFor(semaphore.actor, (snapshot) => snapshot.hasTag('idle'))
}

export interface SemaphoreRecord {
  /** The value exactly as stored. */
  readonly text: string
  readonly limit: number
  /** The sessions listed as holders, sorted. */
  readonly holders: string[]
  readonly flags: bigint
  readonly modifyIndex: bigint
}

/** Parses a `.lock` value: the limit and the holders, sorted. */
function parseRecord(text: string): { limit: number; holders: string[] } {
  const record = JSON.parse(text) as { Limit: number; Holders: Record<string, boolean> | null }
  return { limit: record.Limit, holders: Object.keys(record.Holders ?? {}).sort() }
}

/** The semaphore's `<prefix>/.lock` record, or `null` when it does not exist. */
export async function readSemaphoreRecord(consul: Consul, prefix: string): Promise<SemaphoreRecord | null> {
  const { value: pair } = await consul.kv.get(`${prefix}/.lock`)
  if (pair === null) return null
  const text = pair.value?.toString('utf8') ?? ''
  return { text, ...parseRecord(text), flags: pair.flags, modifyIndex: pair.modifyIndex }
}

/** The keys under `prefix/`, relative to it, sorted (contender sessions and `.lock`). */
export async function keysUnder(consul: Consul, prefix: string): Promise<string[]> {
  const { value } = await consul.kv.keys(`${prefix}/`)
  return value.map((key) => key.slice(prefix.length + 1)).sort()
}

/**
 * Calls `onRecord` with every version of `<prefix>/.lock` a blocking query sees (a version
 * replaced faster than a round trip may be skipped) until the returned function is called.
 */
export function watchSemaphoreRecord(
  consul: Consul,
  prefix: string,
  onRecord: (record: { limit: number; holders: string[] } | null) => void,
): () => Promise<void> {
  const stop = new AbortController()
  const watching = (async () => {
    let index = 0n
    while (!stop.signal.aborted) {
      const { value: pair, meta } = await consul.kv.get(`${prefix}/.lock`, {
        index,
        wait: '10s',
        signal: stop.signal,
      })
      onRecord(pair?.value ? parseRecord(pair.value.toString('utf8')) : null)
      index = meta.lastIndex > index ? meta.lastIndex : 0n
    }
  })().catch((error: unknown) => {
    if (!stop.signal.aborted) throw error
  })
  return async () => {
    stop.abort()
    await watching
  }
}

export interface SemaphoreFactory {
  /** The name of every session the factory's semaphores create; checked for leaks after each test. */
  readonly sessionName: string
  /** A fresh prefix under the suite's. */
  prefix(label: string): string
  /**
   * A semaphore with test defaults (short TTL, the factory's session name), disposed after the
   * test. Options given override the defaults.
   */
  semaphore(
    options: Partial<SemaphoreOptions> & Pick<SemaphoreOptions, 'prefix' | 'limit'>,
    actorOptions?: SemaphoreActorOptions,
  ): Semaphore
}

/**
 * Semaphores for the calling test file. After each test every semaphore made is disposed
 * (cancelled or released, its session destroyed) and no session named `sessionName` may be left.
 */
export function useSemaphores(suite: ClientSuite): SemaphoreFactory {
  const sessionName = `${suite.prefix} semaphore`
  const disposeAfterEach = useDisposedAfterEach(suite, sessionName)
  let prefixes = 0
  return {
    sessionName,
    prefix: (label) => `${suite.prefix}/${label}-${++prefixes}`,
    semaphore: (options, actorOptions) =>
      disposeAfterEach(
        suite.consul.semaphore(
          {
            sessionName,
            sessionTTL: Math.max(suite.target.minTTLms, 1000),
            semaphoreWaitTime: '15s',
            ...options,
          },
          actorOptions,
        ),
      ),
  }
}

/** One KV entry of a `GET ?recurse` answer, `Flags` kept exact as a decimal string. */
interface ListedPair {
  Key: string
  Flags: string
  Value: string | null
  Session?: string
  ModifyIndex: number
}

/**
 * A session that contends for a semaphore slot with raw HTTP requests, exactly as Go's
 * `api.Semaphore` sends them.
 */
export interface GoStyleSemaphore {
  readonly session: string
  /** `PUT /v1/kv/<prefix>/<session>?acquire=<session>&flags=<SemaphoreFlagValue>`: Consul's answer. */
  contend(value?: string): Promise<boolean>
  /**
   * One pass of Go's acquire loop: `GET /v1/kv/<prefix>?recurse` (blocking on `index` when
   * given), prune dead holders, and if there is room `PUT /v1/kv/<prefix>/.lock?cas=&flags=`
   * with the record plus this session. `taken`: it now holds a slot; `index`: to block on next.
   */
  tryTake(index?: number): Promise<{ taken: boolean; index: number }>
  /** `contend`, then Go's acquire loop until a slot is taken (or `signal` aborts). */
  acquire(signal?: AbortSignal): Promise<void>
  /** Go's `Release`: `GET .lock`, CAS it without this session, `DELETE` the contender key. */
  release(): Promise<void>
  /** `PUT /v1/session/destroy/<session>` (behaviour `delete`: the contender key goes with it). */
  destroy(): Promise<void>
}

/**
 * Creates a session by raw HTTP (behaviour `delete`, no TTL: destroy it, or register it with
 * `suite.track`) that takes slots of the semaphore at `prefix` with `limit` the way Go does.
 */
export async function goStyleSemaphore(
  target: Pick<ConsulTarget, 'address' | 'token'>,
  prefix: string,
  limit: number,
): Promise<GoStyleSemaphore> {
  const session = await createSession(target, { Name: 'Go-style semaphore', Behavior: 'delete' })
  const flags = `flags=${SEMAPHORE_FLAGS_DECIMAL}`
  const expectOk = <T extends { status: number; text: string }>(what: string, res: T): T => {
    if (res.status !== 200) throw new Error(`${what}: ${res.status} ${res.text}`)
    return res
  }
  /** Go's CAS of the record: Consul's `true`/`false`. */
  const writeRecord = async (holders: readonly string[], modifyIndex: number) => {
    const path = `/v1/kv/${prefix}/.lock?cas=${modifyIndex}&${flags}`
    const res = expectOk('cas .lock', await raw(target, 'PUT', path, { body: recordJson(limit, holders) }))
    return res.text.trim() === 'true'
  }
  const list = async (index: number, signal?: AbortSignal) => {
    const wait = index > 0 ? `&index=${index}&wait=15000ms` : ''
    const res = await raw(target, 'GET', `/v1/kv/${prefix}?recurse=${wait}`, { signal })
    if (res.status === 404) return { pairs: [] as ListedPair[], index: res.index }
    expectOk('list prefix', res)
    // uint64 flags lose precision as JSON numbers: keep them as strings.
    const exact = res.text.replace(/"Flags":\s*(\d+)/g, '"Flags":"$1"')
    return { pairs: JSON.parse(exact) as ListedPair[], index: res.index }
  }
  const tryTake = async (index = 0, signal?: AbortSignal) => {
    const listed = await list(index, signal)
    const lockPair = listed.pairs.find((pair) => pair.Key === `${prefix}/.lock`)
    if (lockPair && lockPair.Flags !== SEMAPHORE_FLAGS_DECIMAL)
      throw new Error('Existing key does not match semaphore use')
    const record = lockPair?.Value
      ? parseRecord(Buffer.from(lockPair.Value, 'base64').toString('utf8'))
      : { limit, holders: [] }
    if (record.limit !== limit)
      throw new Error(`semaphore limit conflict (lock: ${record.limit}, local: ${limit})`)
    const alive = new Set(listed.pairs.flatMap((pair) => (pair.Session ? [pair.Session] : [])))
    const holders = record.holders.filter((holder) => alive.has(holder))
    if (holders.length >= limit) return { taken: false, index: listed.index }
    const taken = await writeRecord([...holders, session], lockPair?.ModifyIndex ?? 0)
    // A lost CAS reads again at once, as Go does (its old index answers immediately).
    return { taken, index: taken ? listed.index : 0 }
  }
  const contend = async (value = '') => {
    const path = `/v1/kv/${prefix}/${session}?acquire=${session}&${flags}`
    return (await raw(target, 'PUT', path, { body: value })).text.trim() === 'true'
  }
  return {
    session,
    contend,
    tryTake,
    async acquire(signal) {
      if (!(await contend())) throw new Error('failed to make contender entry')
      for (let index = 0; ; ) {
        signal?.throwIfAborted()
        const pass = await tryTake(index, signal)
        if (pass.taken) return
        index = pass.index
      }
    },
    async release() {
      for (;;) {
        const res = await raw(target, 'GET', `/v1/kv/${prefix}/.lock`)
        if (res.status === 404) break
        const [pair] = expectOk('get .lock', res).json<ListedPair[]>()
        const record = pair?.Value ? parseRecord(Buffer.from(pair.Value, 'base64').toString('utf8')) : null
        if (!pair || !record?.holders.includes(session)) break
        const others = record.holders.filter((holder) => holder !== session)
        if (await writeRecord(others, pair.ModifyIndex)) break
      }
      expectOk('delete contender', await raw(target, 'DELETE', `/v1/kv/${prefix}/${session}`))
    },
    async destroy() {
      expectOk('destroy', await raw(target, 'PUT', `/v1/session/destroy/${session}`))
    },
  }
}

/** A Go-style contender whose session the suite destroys afterwards, even if the test fails. */
export async function trackedGoStyleSemaphore(
  suite: ClientSuite,
  prefix: string,
  limit: number,
): Promise<GoStyleSemaphore> {
  const contender = await goStyleSemaphore(suite.target, prefix, limit)
  suite.track(contender.session)
  return contender
}
