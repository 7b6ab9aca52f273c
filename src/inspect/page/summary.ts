/// <reference lib="dom" />
/**
 * What the page says about an actor in words: its phase (the tag that matters most), the one-line
 * summary ("lock service/leader — pending: waiting (blocking read on index 42) for 12 s"), the
 * key facts of its context, and durations and times. Pure functions, run in the browser (the page
 * inlines `summaryLib` with `Function.prototype.toString()`: nothing from outside its body).
 */
import type { ActorView, StateNodeView } from '../types.js'

/** A key fact of an actor's context, for the context panel. */
export interface Fact {
  label: string
  value: string
  /** Shown as an error (the last failure). */
  error?: boolean
}

/** Builds the page's wording functions. */
export function summaryLib() {
  /** The tags that name a lock's or semaphore's phase, the most telling first. */
  const PHASE_TAGS = ['suspect', 'held', 'pending', 'releasing', 'destroying', 'idle']

  /** Leaves that only say all is well in a region beside the interesting one. */
  const QUIET_LEAVES = new Set(['scheduled', 'sound', 'assessing', 'unmanaged'])

  type Context = Record<string, unknown>

  const contextOf = (actor: ActorView): Context =>
    typeof actor.context === 'object' && actor.context !== null ? (actor.context as Context) : {}

  const settingsOf = (actor: ActorView): Context => {
    const settings = contextOf(actor).settings
    return typeof settings === 'object' && settings !== null ? (settings as Context) : {}
  }

  const text = (value: unknown): string | undefined =>
    typeof value === 'string' || typeof value === 'number' ? String(value) : undefined

  /** The phase to colour the actor by: its most telling tag, else its status. */
  function phaseOf(actor: ActorView): string {
    if (actor.status !== 'active') return actor.status
    return PHASE_TAGS.find((tag) => actor.tags.includes(tag)) ?? actor.tags[0] ?? 'active'
  }

  /** What the actor works on: a lock's key, a semaphore's prefix, else its name. */
  function subjectOf(actor: ActorView): string {
    const settings = settingsOf(actor)
    return text(settings.key) ?? text(settings.prefix) ?? actor.name
  }

  /** The active atomic states: the active ids that no other active id lies under. */
  function activeLeaves(activeIds: readonly string[]): string[] {
    return activeIds.filter((id) => !activeIds.some((other) => other.startsWith(`${id}.`)))
  }

  /** Finds a state node by id in a definition. */
  function findNode(root: StateNodeView | undefined, id: string): StateNodeView | undefined {
    if (!root) return undefined
    if (root.id === id) return root
    for (const child of root.states) {
      if (id === child.id || id.startsWith(`${child.id}.`)) return findNode(child, id)
    }
    return undefined
  }

  /** The actors a state runs: its own invokes, else its nearest invoking ancestor's. */
  function invokesAt(root: StateNodeView | undefined, id: string): string[] {
    for (let at = id; at.includes('.'); at = at.slice(0, at.lastIndexOf('.'))) {
      const invokes = findNode(root, at)?.invokes ?? []
      if (invokes.length > 0) return invokes
    }
    return []
  }

  const BLOCKING_READS: Record<string, string> = { readKey: 'blocking read', listPrefix: 'blocking list' }
  const REQUESTS: Record<string, string> = {
    createSession: 'creating the session',
    renewSession: 'renewing the session',
    acquireKey: 'acquire write in flight',
    acquireContender: 'writing the contender key',
    writeRecord: 'writing the .lock record',
    readRecord: 'reading the .lock record',
    releaseKey: 'releasing the key',
    deleteContender: 'deleting the contender key',
    destroySession: 'destroying the session',
    deleteKey: 'deleting the key',
    deleteRecord: 'deleting the .lock record',
  }

  /** What an active leaf is doing, in words, from its invokes and the context; '' if nothing to add. */
  function hintFor(actor: ActorView, leafId: string): string {
    const context = contextOf(actor)
    const key = leafId.slice(leafId.lastIndexOf('.') + 1)
    const invoke = invokesAt(actor.definition, leafId)[0]
    if (invoke && BLOCKING_READS[invoke]) {
      const monitoring = /\.held\./.test(leafId)
      const index = text(monitoring ? context.monitorIndex : context.waitIndex)
      return index && index !== '0' ? `${BLOCKING_READS[invoke]} on index ${index}` : 'reading now'
    }
    if (invoke && REQUESTS[invoke]) return REQUESTS[invoke]
    if (invoke) return `running ${invoke}`
    if (key === 'backoff') return `lock-delay backoff, attempt ${text(context.backoffAttempt) ?? '?'}`
    if (key === 'pausing') return `monitor failed ${text(context.monitorFailures) ?? '?'}×, pausing`
    if (key === 'suspect') return 'renewals failing'
    if (key === 'retrying' && /\.renewing\./.test(leafId)) return 'renew failed, retrying'
    if (key.startsWith('retrying')) return `retry ${text(context.cleanupRetries) ?? '?'}`
    if (key === 'expired') return 'session lease ran out'
    if (key === 'invalidated') return 'session gone on the server'
    return ''
  }

  /** The active atomic states worth naming: all but the ones saying all is well beside them. */
  function tellingLeaves(activeIds: readonly string[]): string[] {
    const leaves = activeLeaves(activeIds)
    const telling = leaves.filter((id) => !QUIET_LEAVES.has(id.slice(id.lastIndexOf('.') + 1)))
    return telling.length > 0 ? telling : leaves
  }

  /** The active leaves worth naming, with what they are doing: `waiting (blocking read on index 42)`. */
  function activityOf(actor: ActorView): string[] {
    return tellingLeaves(actor.activeStateIds).map((id) => {
      const key = id.slice(id.lastIndexOf('.') + 1)
      const hint = hintFor(actor, id)
      return hint ? `${key} (${hint})` : key
    })
  }

  /** `850 ms`, `12 s`, `4 min 12 s`, `2 h 5 min`. */
  function formatDuration(ms: number): string {
    if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
    const s = Math.floor(ms / 1000)
    if (s < 60) return `${s} s`
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
  }

  /** `14:02:07.123`, local time. */
  function formatTime(at: number): string {
    const date = new Date(at)
    const pad = (n: number, width = 2) => String(n).padStart(width, '0')
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`
  }

  /**
   * The line that says what an actor is doing and for how long:
   * `lock service/leader — pending: waiting (blocking read on index 42) for 12 s`. While it
   * waits, it names the actor of `others` (the same process) that holds what it waits for.
   */
  function summarize(
    actor: ActorView,
    sinceMs: number,
    nowMs: number,
    others: readonly ActorView[] = [],
  ): string {
    const title = `${actor.machineId ?? 'actor'} ${subjectOf(actor)}`
    const phase = phaseOf(actor)
    if (actor.status !== 'active') return `${title} — ${phase}`
    const activity = activityOf(actor).filter((part) => part !== phase)
    const doing = activity.length > 0 ? `${phase}: ${activity.join(', ')}` : phase
    const line = `${title} — ${doing} for ${formatDuration(nowMs - sinceMs)}`
    if (phase !== 'pending') return line
    const holders = others.filter(
      (other) =>
        other.id !== actor.id &&
        other.status === 'active' &&
        other.machineId === actor.machineId &&
        subjectOf(other) === subjectOf(actor) &&
        other.tags.includes('held'),
    )
    return holders.length > 0
      ? `${line}; held here by ${holders.map((other) => other.name).join(', ')}`
      : line
  }

  /** The context fields worth reading first (a lock's or semaphore's), in order. */
  function factsOf(actor: ActorView): Fact[] {
    const context = contextOf(actor)
    const settings = settingsOf(actor)
    const facts: Fact[] = []
    const add = (label: string, value: unknown, error = false) => {
      const shown = text(value)
      if (shown !== undefined) facts.push({ label, value: shown, error })
    }
    add('key', settings.key)
    add('prefix', settings.prefix)
    add('limit', settings.limit)
    add('session', context.session)
    if (typeof context.ownsSession === 'boolean')
      facts.push({ label: 'session owner', value: context.ownsSession ? 'this lock' : 'the caller' })
    add('wait index', context.waitIndex)
    add('monitor index', context.monitorIndex)
    const lease = context.lease
    if (typeof lease === 'object' && lease !== null) {
      const { lockIndex, modifyIndex, holders } = lease as Context
      add('lock index', lockIndex)
      add('modify index', modifyIndex)
      if (Array.isArray(holders)) add('holders', holders.join(', '))
    }
    const error = context.renewError ?? context.lastError ?? context.error
    if (error !== null && error !== undefined) {
      const message =
        typeof error === 'object' && 'message' in error ? text((error as Context).message) : text(error)
      add('last error', message ?? JSON.stringify(error), true)
    }
    return facts
  }

  return {
    phaseOf,
    subjectOf,
    activeLeaves,
    tellingLeaves,
    findNode,
    summarize,
    factsOf,
    formatDuration,
    formatTime,
  }
}

export type Summary = ReturnType<typeof summaryLib>
