import { describe, expect, it } from 'vitest'
import {
  nextWaitIndex,
  parseQueryMeta,
  readRequestParts,
  serverHoldMs,
} from '../../../src/consul/blocking.js'
import { InvalidOptionError } from '../../../src/errors.js'
import { nextWaitIndex as publicNextWaitIndex } from '../../../src/index.js'

describe('nextWaitIndex', () => {
  it('is exported from the package root', () => {
    expect(publicNextWaitIndex).toBe(nextWaitIndex)
  })

  it('moves to the returned index when it grew or stayed', () => {
    expect(nextWaitIndex(0n, 42n)).toBe(42n)
    expect(nextWaitIndex(42n, 42n)).toBe(42n)
    expect(nextWaitIndex(42n, 18446744073709551615n)).toBe(18446744073709551615n)
  })

  it('resets to 0 when the index went backwards, so the next read does not block', () => {
    expect(nextWaitIndex(100n, 99n)).toBe(0n)
    expect(nextWaitIndex(18446744073709551615n, 3304740253564472344n)).toBe(0n)
  })

  it('never returns an index below 1 from a fresh start (a 0 would make every read non-blocking)', () => {
    expect(nextWaitIndex(0n, 0n)).toBe(1n)
  })
})

describe('parseQueryMeta', () => {
  it('reads index, leader and last contact exactly', () => {
    expect(
      parseQueryMeta({
        'x-consul-index': '18446744073709551615',
        'x-consul-knownleader': 'true',
        'x-consul-lastcontact': '250',
      }),
    ).toEqual({ lastIndex: 18446744073709551615n, knownLeader: true, lastContact: 250 })
  })

  it('treats a missing, zero or malformed index as 1 and missing leader headers as unknown', () => {
    expect(parseQueryMeta({})).toEqual({ lastIndex: 1n, knownLeader: false, lastContact: 0 })
    expect(parseQueryMeta({ 'x-consul-index': '0' }).lastIndex).toBe(1n)
    expect(parseQueryMeta({ 'x-consul-index': '-5' }).lastIndex).toBe(1n)
    expect(parseQueryMeta({ 'x-consul-index': 'abc' }).lastIndex).toBe(1n)
    expect(parseQueryMeta({ 'x-consul-knownleader': 'false' }).knownLeader).toBe(false)
  })
})

describe('readRequestParts', () => {
  it('sends nothing for a plain read', () => {
    expect(readRequestParts({})).toEqual({ params: [], maxHoldMs: 0 })
  })

  it('sends stale, consistent, index and wait like Go', () => {
    expect(readRequestParts({ stale: true, index: 7n, wait: '1m' }).params).toEqual([
      ['stale'],
      ['index', '7'],
      ['wait', '60000ms'],
    ])
    expect(readRequestParts({ consistent: true, index: 18446744073709551615n }).params).toEqual([
      ['consistent'],
      ['index', '18446744073709551615'],
    ])
    expect(readRequestParts({ index: 0n, wait: 0 }).params).toEqual([])
  })

  it('refuses consistent together with stale before any request', () => {
    expect(() => readRequestParts({ consistent: true, stale: true })).toThrow(InvalidOptionError)
  })

  it.each([
    [{ index: -1 }],
    [{ index: 2 ** 60 }],
    [{ index: 2n ** 64n }],
    [{ wait: '-1s' }],
    [{ wait: 'soon' }],
  ])('rejects %o', (options) => {
    expect(() => readRequestParts(options as never)).toThrow(InvalidOptionError)
  })

  it('sizes the hold time as wait + wait/16, with Consul default and cap', () => {
    expect(readRequestParts({ index: 5n, wait: '16s' }).maxHoldMs).toBe(17_000)
    expect(readRequestParts({ index: 5n }).maxHoldMs).toBe(300_000 + 18_750)
    expect(readRequestParts({ index: 5n, wait: '20m' }).maxHoldMs).toBe(600_000 + 37_500)
    expect(readRequestParts({ wait: '20m' }).maxHoldMs).toBe(0)
    expect(serverHoldMs(0)).toBe(318_750)
  })
})
