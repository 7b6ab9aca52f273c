/**
 * Who holds a semaphore, from a listing of `<prefix>/`: the `.lock` record names the holders
 * and the limit, and a holder is alive while its contender key `<prefix>/<session>` still
 * carries its session (Go's `pruneDeadHolders`). For display: a record that is not Go's JSON is
 * reported, not thrown. Used by `consul-lock status` and the demo.
 */
import type { KVPair } from '../../index.js'

/** A contender key: `<prefix>/<session>`, locked by that session. */
export interface Contender {
  session: string
  /** The contender key's value (the value each contender offers; consul lock writes none). */
  value: Buffer | null
}

export interface SemaphoreHolders {
  /** The limit in the record; `undefined` without a record or with an unreadable one. */
  limit: number | undefined
  /** Holders in the record whose contender key still carries their session. */
  holders: Contender[]
  /** Holders in the record whose session holds no key any more: dead, pruned at the next write. */
  dead: string[]
  /** Contenders not in the record: waiting for a slot. */
  waiting: Contender[]
  /** Why the record could not be read (not Go's JSON); its holders are then unknown. */
  recordError?: string
}

export function semaphoreHolders(prefix: string, pairs: readonly KVPair[]): SemaphoreHolders {
  const recordKey = `${prefix}/.lock`
  const contenders = pairs.flatMap((pair): Contender[] =>
    pair.key !== recordKey && pair.session !== undefined
      ? [{ session: pair.session, value: pair.value }]
      : [],
  )
  const record = pairs.find((pair) => pair.key === recordKey)
  const decoded = decodeRecord(record?.value ?? null)
  if ('error' in decoded) {
    return { limit: undefined, holders: [], dead: [], waiting: contenders, recordError: decoded.error }
  }
  const listed = new Set(decoded.holders)
  const alive = new Set(pairs.flatMap((pair) => (pair.session === undefined ? [] : [pair.session])))
  return {
    limit: decoded.limit,
    holders: contenders.filter((contender) => listed.has(contender.session)),
    dead: decoded.holders.filter((session) => !alive.has(session)),
    waiting: contenders.filter((contender) => !listed.has(contender.session)),
  }
}

type Decoded = { limit: number | undefined; holders: string[] } | { error: string }

/** `{"Limit":2,"Holders":{"<session>":true}}` as Go writes it; no value: no record yet. */
function decodeRecord(value: Buffer | null): Decoded {
  if (value === null || value.length === 0) return { limit: undefined, holders: [] }
  let json: unknown
  try {
    json = JSON.parse(value.toString('utf8'))
  } catch {
    return { error: 'the .lock value is not JSON' }
  }
  const { Limit: limit, Holders: holders } = (json ?? {}) as { Limit?: unknown; Holders?: unknown }
  if (typeof limit !== 'number' || (holders != null && typeof holders !== 'object')) {
    return { error: 'the .lock value is not a semaphore record ({"Limit":…,"Holders":{…}})' }
  }
  return { limit, holders: Object.keys(holders ?? {}).sort() }
}
