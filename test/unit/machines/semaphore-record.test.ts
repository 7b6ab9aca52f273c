/**
 * The `.lock` record of a semaphore, as Go's api/semaphore.go reads and writes it, and what a
 * listing of the prefix means to a contender, a holder and a destroyer.
 */
import { describe, expect, it } from 'vitest'
import { LOCK_FLAG_VALUE, SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import { viewAsContender, viewAsDestroyer, viewAsHolder } from '../../../machines/semaphore-listing.js'
import {
  contenderKey,
  decodeRecord,
  encodeRecord,
  findRecord,
  pruneDeadHolders,
  recordKey,
  withHolder,
  withoutHolder,
} from '../../../machines/semaphore-record.js'
import type { KVPair } from '../../../src/consul/types.js'
import { contenderPair, PREFIX, recordPair } from '../../support/semaphore-harness.js'

const withValue = (text: string | null): KVPair => ({
  ...recordPair([]),
  value: text === null ? null : Buffer.from(text),
})

describe('semaphore record keys', () => {
  it("are Go's: <prefix>/.lock and <prefix>/<session>", () => {
    expect(recordKey('service/workers')).toBe('service/workers/.lock')
    expect(contenderKey('service/workers', 'sess-1')).toBe('service/workers/sess-1')
  })
})

describe('findRecord', () => {
  it('finds the record among the pairs of the prefix', () => {
    const record = recordPair(['a'], { modifyIndex: 9n })
    expect(findRecord([contenderPair('a'), record], PREFIX)).toBe(record)
  })

  it("stands in for a missing record as Go's findLock does: semaphore flags, no value, ModifyIndex 0", () => {
    expect(findRecord([contenderPair('a')], PREFIX)).toEqual({
      key: `${PREFIX}/.lock`,
      value: null,
      flags: SEMAPHORE_FLAG_VALUE,
      lockIndex: 0n,
      createIndex: 0n,
      modifyIndex: 0n,
    })
  })
})

describe('encodeRecord', () => {
  it("writes Go's JSON exactly: field names Limit and Holders, holders sorted, each true", () => {
    expect(encodeRecord({ limit: 3, holders: ['b', 'a'] })).toBe('{"Limit":3,"Holders":{"a":true,"b":true}}')
  })

  it('writes an empty holder set as an object, as Go marshals an empty map', () => {
    expect(encodeRecord({ limit: 1, holders: [] })).toBe('{"Limit":1,"Holders":{}}')
  })
})

describe('decodeRecord', () => {
  it("reads Go's JSON", () => {
    expect(decodeRecord(withValue('{"Limit":2,"Holders":{"b":true,"a":true}}'), 9)).toEqual({
      limit: 2,
      holders: ['a', 'b'],
    })
  })

  it('takes the local limit and no holders for a record without a value', () => {
    expect(decodeRecord(withValue(null), 4)).toEqual({ limit: 4, holders: [] })
  })

  it('reads missing or null Holders as none, a missing Limit as 0, and ignores unknown fields', () => {
    expect(decodeRecord(withValue('{"Limit":2,"Holders":null,"Extra":1}'), 9)).toEqual({
      limit: 2,
      holders: [],
    })
    expect(decodeRecord(withValue('{"Holders":{"a":true}}'), 9)).toEqual({ limit: 0, holders: ['a'] })
  })

  it('counts a holder by its presence, as Go does, whatever its boolean', () => {
    expect(decodeRecord(withValue('{"Limit":2,"Holders":{"a":false}}'), 2).holders).toEqual(['a'])
  })

  it.each([
    ['not JSON', 'garbage'],
    ['a JSON array', '[1]'],
    ['a fractional Limit', '{"Limit":1.5,"Holders":{}}'],
    ['a Limit that is a string', '{"Limit":"2","Holders":{}}'],
    ['Holders that are a list', '{"Limit":2,"Holders":["a"]}'],
    ['a holder that is not a boolean', '{"Limit":2,"Holders":{"a":1}}'],
  ])('rejects %s with ESEMRECORD "lock decoding failed"', (_case, text) => {
    expect(() => decodeRecord(withValue(text), 2)).toThrow(
      expect.objectContaining({
        code: 'ESEMRECORD',
        message: expect.stringMatching(/^lock decoding failed: /),
      }),
    )
  })
})

describe('pruneDeadHolders', () => {
  it('keeps the holders some key under the prefix carries the session of, drops the others', () => {
    const pairs = [contenderPair('alive'), { ...contenderPair('idle'), session: undefined }, recordPair([])]
    expect(pruneDeadHolders({ limit: 3, holders: ['alive', 'dead', 'idle'] }, pairs)).toEqual({
      limit: 3,
      holders: ['alive'],
    })
  })

  it("counts any key carrying the session, not only the holder's own contender key (as Go does)", () => {
    const elsewhere = { ...contenderPair('other'), session: 'moved' }
    expect(pruneDeadHolders({ limit: 2, holders: ['moved'] }, [elsewhere]).holders).toEqual(['moved'])
  })
})

describe('withHolder and withoutHolder', () => {
  it('add a holder once, sorted, and remove it', () => {
    const record = { limit: 3, holders: ['b'] }
    expect(withHolder(record, 'a')).toEqual({ limit: 3, holders: ['a', 'b'] })
    expect(withHolder(record, 'b')).toBe(record)
    expect(withoutHolder({ limit: 3, holders: ['a', 'b'] }, 'a')).toEqual({ limit: 3, holders: ['b'] })
    expect(withoutHolder(record, 'x')).toEqual(record)
  })
})

describe('viewAsContender', () => {
  const me = { prefix: PREFIX, limit: 2, session: 'me' }

  it('a record with other flags is a conflict, before anything is decoded', () => {
    const pairs = [recordPair([], { flags: LOCK_FLAG_VALUE, value: Buffer.from('x') }), contenderPair('me')]
    expect(viewAsContender(pairs, me)).toEqual({ kind: 'conflict', flags: LOCK_FLAG_VALUE })
  })

  it('an undecodable record', () => {
    const view = viewAsContender([withValue('{'), contenderPair('me')], me)
    expect(view.kind).toBe('undecodable')
  })

  it('another limit', () => {
    const pairs = [recordPair([], { limit: 5 }), contenderPair('me')]
    expect(viewAsContender(pairs, me)).toEqual({ kind: 'limit-mismatch', recordLimit: 5 })
  })

  it('our live session listed already: holding, with the live holders', () => {
    const pairs = [recordPair(['me', 'x', 'dead']), contenderPair('me'), contenderPair('x')]
    expect(viewAsContender(pairs, me)).toEqual({ kind: 'holding', holders: ['me', 'x'] })
  })

  it('every slot taken by a live session: full', () => {
    const pairs = [recordPair(['a', 'b']), contenderPair('a'), contenderPair('b'), contenderPair('me')]
    expect(viewAsContender(pairs, me)).toEqual({ kind: 'full' })
  })

  it('a free slot: the record to write (dead holders pruned, us added) and the index to write it at', () => {
    const pairs = [recordPair(['a', 'dead'], { modifyIndex: 33n }), contenderPair('a'), contenderPair('me')]
    expect(viewAsContender(pairs, me)).toEqual({
      kind: 'free',
      record: { limit: 2, holders: ['a', 'me'] },
      modifyIndex: 33n,
    })
  })

  it('no record: free, to be created at index 0 with our limit', () => {
    expect(viewAsContender([contenderPair('me')], me)).toEqual({
      kind: 'free',
      record: { limit: 2, holders: ['me'] },
      modifyIndex: 0n,
    })
  })
})

describe('viewAsHolder', () => {
  const me = { prefix: PREFIX, session: 'me' }

  it.each([
    ['holding', 'listed, with our contender key', [recordPair(['me']), contenderPair('me')]],
    ['key-deleted', 'no record', [contenderPair('me')]],
    ['key-deleted', 'nothing under the prefix', []],
    ['session-invalidated', 'no contender key of ours', [recordPair(['me'])]],
    ['evicted', 'a record without us', [recordPair(['x']), contenderPair('me'), contenderPair('x')]],
    ['evicted', 'an undecodable record', [withValue('nope'), contenderPair('me')]],
  ] as const)('%s: %s', (view, _case, pairs) => {
    expect(viewAsHolder([...pairs], me)).toBe(view)
  })
})

describe('viewAsDestroyer', () => {
  it.each([
    ['absent', [contenderPair('x')], { kind: 'absent' }],
    ['conflict', [recordPair([], { flags: LOCK_FLAG_VALUE })], { kind: 'conflict', flags: LOCK_FLAG_VALUE }],
    ['in-use', [recordPair(['x']), contenderPair('x')], { kind: 'in-use' }],
    [
      'free (only dead holders)',
      [recordPair(['gone'], { modifyIndex: 4n })],
      { kind: 'free', modifyIndex: 4n },
    ],
  ] as const)('%s', (_case, pairs, view) => {
    expect(viewAsDestroyer([...pairs], PREFIX)).toEqual(view)
  })

  it('undecodable', () => {
    expect(viewAsDestroyer([withValue('{')], PREFIX).kind).toBe('undecodable')
  })
})
