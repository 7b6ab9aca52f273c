/**
 * The text of `consul-lock status`: a heading line that says who holds the prefix (or
 * `No holder: <prefix>`), then aligned `label  value` lines per holder. Consul keeps no
 * timestamps, so "since" is the Raft index at which the holder's session was created.
 */
import { LOCK_FLAG_VALUE, SEMAPHORE_FLAG_VALUE } from '../../../machines/index.js'
import { formatGoDuration } from '../../consul/duration.js'
import type { KVPair, SessionEntry } from '../../index.js'
import type { PrefixStatus } from './read.js'
import type { Contender } from './semaphore-holders.js'

type Row = [label: string, value: string]

const INDENT = '  '
/** `holder ` / `waiting ` / `dead `: the labels of a semaphore's contenders. */
const LABEL_WIDTH = 'waiting '.length

export function formatStatus(status: PrefixStatus): string {
  switch (status.kind) {
    case 'none':
      return `No holder: ${status.prefix} (no key ${status.key})\n`
    case 'other':
      return (
        `Not a lock: ${status.key} has Flags ${status.pair.flags}, neither a lock's (${LOCK_FLAG_VALUE}) ` +
        `nor a semaphore's (${SEMAPHORE_FLAG_VALUE})\n` +
        block(INDENT, [
          ['value', formatValue(status.pair.value)],
          ['ModifyIndex', String(status.pair.modifyIndex)],
        ])
      )
    case 'lock':
      return formatLock(status)
    case 'semaphore':
      return formatSemaphore(status)
  }
}

function formatLock(status: Extract<PrefixStatus, { kind: 'lock' }>): string {
  const { pair, holder } = status
  const indexes = `LockIndex ${pair.lockIndex}, ModifyIndex ${pair.modifyIndex}`
  if (holder === undefined || pair.session === undefined) {
    return `No holder: ${status.prefix} (the lock ${status.key} is free; ${indexes})\n`
  }
  return (
    `Lock held: ${status.key}\n` +
    block(INDENT, [
      ['session', pair.session],
      ['node', holder?.node ?? 'unknown: the session is gone (invalidated just now)'],
      ['value', formatValue(pair.value)],
      ['LockIndex', `${pair.lockIndex} (acquisitions of this key)`],
      ['ModifyIndex', `${pair.modifyIndex} (the holder's last write)`],
      ...(holder === null
        ? []
        : ([
            ['session name', holder.name],
            ['session TTL', sessionSettings(holder)],
            ['since', `index ${holder.createIndex} (the session's CreateIndex: Consul keeps no timestamps)`],
          ] satisfies Row[])),
    ])
  )
}

function formatSemaphore(status: Extract<PrefixStatus, { kind: 'semaphore' }>): string {
  const { slots, sessions } = status
  if (slots.recordError !== undefined) {
    return `Semaphore ${status.prefix}: its record ${status.key} is unreadable: ${slots.recordError}\n`
  }
  const limit = slots.limit === undefined ? 'no limit recorded' : `limit ${slots.limit}`
  const counts = `${limit}, ${slots.holders.length} holding, ${slots.waiting.length} waiting`
  const heading =
    slots.holders.length === 0
      ? `No holder: ${status.prefix} (semaphore, ${counts})`
      : `Semaphore held: ${status.prefix} (${counts})`
  const contender = (label: string, entry: Contender) => {
    const session = sessions.get(entry.session) ?? null
    const node = session === null ? '' : `node ${session.node}, `
    const details =
      session === null
        ? 'session gone (invalidated just now)'
        : `session ${JSON.stringify(session.name)}, TTL ${sessionSettings(session)}, since index ${session.createIndex}`
    return (
      `${INDENT}${label.padEnd(LABEL_WIDTH)}${entry.session}  ${node}value ${formatValue(entry.value)}\n` +
      `${INDENT}${' '.repeat(LABEL_WIDTH)}${details}\n`
    )
  }
  const anyone = slots.holders.length + slots.waiting.length > 0
  return [
    `${heading}\n`,
    ...slots.holders.map((entry) => contender('holder', entry)),
    ...slots.dead.map(
      (session) =>
        `${INDENT}${'dead'.padEnd(LABEL_WIDTH)}${session}  listed in ${status.key}, but its session holds no key\n`,
    ),
    ...slots.waiting.map((entry) => contender('waiting', entry)),
    anyone ? `${INDENT}(since: the index the session was created at; Consul keeps no timestamps)\n` : '',
  ].join('')
}

/** A session's TTL and what happens when it ends, e.g. `15s (lock-delay 15s, behavior release)`. */
function sessionSettings(session: SessionEntry): string {
  const ttl = session.ttl === '' ? 'none' : session.ttl
  return `${ttl} (lock-delay ${formatGoDuration(session.lockDelay)}, behavior ${session.behavior})`
}

/** A value as text: quoted UTF-8, `(empty)`, or its size and base64 when it is not text. */
export function formatValue(value: KVPair['value']): string {
  if (value === null || value.length === 0) return '(empty)'
  const text = value.toString('utf8')
  if (Buffer.from(text, 'utf8').equals(value)) return JSON.stringify(text)
  return `${value.length} bytes, not UTF-8 (base64 ${value.toString('base64')})`
}

function block(indent: string, rows: readonly Row[]): string {
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}\n`).join('')
}
