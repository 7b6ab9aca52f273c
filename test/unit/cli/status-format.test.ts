import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE, SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import { formatStatus, formatValue } from '../../../src/cli/status/format.js'
import type { PrefixStatus } from '../../../src/cli/status/read.js'
import { semaphoreHolders } from '../../../src/cli/status/semaphore-holders.js'
import type { KVPair, SessionEntry } from '../../../src/index.js'

const pair = (key: string, fields: Partial<KVPair> = {}): KVPair => ({
  key,
  value: null,
  flags: 0n,
  lockIndex: 0n,
  createIndex: 1n,
  modifyIndex: 1n,
  ...fields,
})

const session = (id: string, fields: Partial<SessionEntry> = {}): SessionEntry => ({
  id,
  name: `session ${id}`,
  node: 'node-1',
  lockDelay: 15_000,
  behavior: 'release',
  ttl: '15s',
  nodeChecks: [],
  serviceChecks: [],
  createIndex: 7n,
  modifyIndex: 7n,
  ...fields,
})

describe('formatStatus of a lock', () => {
  it('shows the holder, its value and indexes, then its session with "since" as an index', () => {
    const status: PrefixStatus = {
      kind: 'lock',
      prefix: 'svc',
      key: 'svc/.lock',
      pair: pair('svc/.lock', {
        flags: LOCK_FLAG_VALUE,
        session: 'aaaa',
        value: Buffer.from('node-a'),
        lockIndex: 3n,
        modifyIndex: 42n,
      }),
      holder: session('aaaa', { name: "Consul lock for 'run.sh' at 'svc'", ttl: '10s', lockDelay: 1500 }),
    }
    expect(formatStatus(status)).toBe(
      [
        'Lock held: svc/.lock',
        '  session       aaaa',
        '  node          node-1',
        '  value         "node-a"',
        '  LockIndex     3 (acquisitions of this key)',
        "  ModifyIndex   42 (the holder's last write)",
        "  session name  Consul lock for 'run.sh' at 'svc'",
        '  session TTL   10s (lock-delay 1500ms, behavior release)',
        "  since         index 7 (the session's CreateIndex: Consul keeps no timestamps)",
        '',
      ].join('\n'),
    )
  })

  it('says the session is gone when it vanished between the reads', () => {
    const status: PrefixStatus = {
      kind: 'lock',
      prefix: 'svc',
      key: 'svc/.lock',
      pair: pair('svc/.lock', { flags: LOCK_FLAG_VALUE, session: 'aaaa' }),
      holder: null,
    }
    const text = formatStatus(status)
    expect(text).toContain('  node         unknown: the session is gone (invalidated just now)\n')
    expect(text).not.toContain('session name')
  })

  it('says nobody holds a free lock key, or a prefix without one', () => {
    const free = pair('svc/.lock', { flags: LOCK_FLAG_VALUE, lockIndex: 2n, modifyIndex: 9n })
    expect(formatStatus({ kind: 'lock', prefix: 'svc', key: 'svc/.lock', pair: free })).toBe(
      'No holder: svc (the lock svc/.lock is free; LockIndex 2, ModifyIndex 9)\n',
    )
    expect(formatStatus({ kind: 'none', prefix: 'svc', key: 'svc/.lock' })).toBe(
      'No holder: svc (no key svc/.lock)\n',
    )
  })

  it('names the flags of a .lock key that is neither a lock nor a semaphore', () => {
    const other = pair('svc/.lock', { flags: 42n, value: Buffer.from('x'), modifyIndex: 5n })
    expect(formatStatus({ kind: 'other', prefix: 'svc', key: 'svc/.lock', pair: other })).toBe(
      "Not a lock: svc/.lock has Flags 42, neither a lock's (3304740253564472344) nor a semaphore's " +
        '(16210313421097356768)\n  value        "x"\n  ModifyIndex  5\n',
    )
  })
})

describe('formatStatus of a semaphore', () => {
  const record = (limit: number, holders: string[]) =>
    pair('pool/.lock', {
      flags: SEMAPHORE_FLAG_VALUE,
      value: Buffer.from(
        JSON.stringify({ Limit: limit, Holders: Object.fromEntries(holders.map((h) => [h, true])) }),
      ),
    })
  const contender = (id: string, value: string) =>
    pair(`pool/${id}`, { flags: SEMAPHORE_FLAG_VALUE, session: id, value: Buffer.from(value) })
  const semaphore = (pairs: KVPair[], sessions: SessionEntry[]): PrefixStatus => ({
    kind: 'semaphore',
    prefix: 'pool',
    key: 'pool/.lock',
    pair: pairs[0] as KVPair,
    slots: semaphoreHolders('pool', pairs),
    sessions: new Map(sessions.map((entry) => [entry.id, entry])),
  })

  it('lists the limit, each holder (node, value, session) and each waiting contender', () => {
    const pairs = [
      record(2, ['s1', 's2']),
      contender('s1', 'w1'),
      contender('s2', 'w2'),
      contender('s3', 'w3'),
    ]
    const sessions = ['s1', 's2', 's3'].map((id) => session(id, { behavior: 'delete', lockDelay: 0 }))
    expect(formatStatus(semaphore(pairs, sessions))).toBe(
      [
        'Semaphore held: pool (limit 2, 2 holding, 1 waiting)',
        '  holder  s1  node node-1, value "w1"',
        '          session "session s1", TTL 15s (lock-delay 0s, behavior delete), since index 7',
        '  holder  s2  node node-1, value "w2"',
        '          session "session s2", TTL 15s (lock-delay 0s, behavior delete), since index 7',
        '  waiting s3  node node-1, value "w3"',
        '          session "session s3", TTL 15s (lock-delay 0s, behavior delete), since index 7',
        '  (since: the index the session was created at; Consul keeps no timestamps)',
        '',
      ].join('\n'),
    )
  })

  it('marks a listed holder whose session holds no key as dead, and then nobody holds it', () => {
    const text = formatStatus(semaphore([record(2, ['gone'])], []))
    expect(text).toBe(
      'No holder: pool (semaphore, limit 2, 0 holding, 0 waiting)\n' +
        '  dead    gone  listed in pool/.lock, but its session holds no key\n',
    )
  })

  it('reports a record that is not Go’s JSON instead of failing', () => {
    const broken = pair('pool/.lock', { flags: SEMAPHORE_FLAG_VALUE, value: Buffer.from('{not json') })
    expect(formatStatus(semaphore([broken], []))).toBe(
      'Semaphore pool: its record pool/.lock is unreadable: the .lock value is not JSON\n',
    )
  })
})

describe('semaphoreHolders', () => {
  it('counts as waiting every contender before the first record is written', () => {
    const slots = semaphoreHolders('pool', [pair('pool/s1', { session: 's1' })])
    expect(slots).toEqual({
      limit: undefined,
      holders: [],
      dead: [],
      waiting: [{ session: 's1', value: null }],
    })
  })

  it('keeps a holder alive while any key under the prefix carries its session (Go’s pruneDeadHolders)', () => {
    const record = pair('pool/.lock', { value: Buffer.from('{"Limit":1,"Holders":{"s1":true}}') })
    const slots = semaphoreHolders('pool', [record, pair('pool/s1', { session: 's1' })])
    expect(slots.holders.map((holder) => holder.session)).toEqual(['s1'])
    expect(slots.dead).toEqual([])
  })

  it('rejects a record whose Limit is not a number', () => {
    const record = pair('pool/.lock', { value: Buffer.from('{"Holders":{}}') })
    expect(semaphoreHolders('pool', [record]).recordError).toMatch(/not a semaphore record/)
  })
})

describe('formatValue', () => {
  it('quotes text, says (empty), and shows bytes that are not UTF-8 as base64', () => {
    expect(formatValue(Buffer.from('a "b"\n'))).toBe('"a \\"b\\"\\n"')
    expect(formatValue(null)).toBe('(empty)')
    expect(formatValue(Buffer.alloc(0))).toBe('(empty)')
    expect(formatValue(Buffer.from([0xff, 0x00]))).toBe('2 bytes, not UTF-8 (base64 /wA=)')
  })
})
