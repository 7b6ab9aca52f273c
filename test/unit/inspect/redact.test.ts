import { describe, expect, it } from 'vitest'
import { createActor, createMachine } from 'xstate'
import { MAX_OUTPUT, REDACTED, redact } from '../../../src/inspect/redact.js'

describe('redact', () => {
  it('hides the values of secret-named keys, at any depth, whatever they hold', () => {
    expect(
      redact({
        token: 'abc',
        aclToken: { id: 1 },
        headers: { Authorization: 'Bearer x', 'X-Consul-Token': 'y', accept: 'json' },
        list: [{ password: 'p', clientSecret: 's', user: 'u' }],
        tokenFile: undefined,
        tls: { privateKey: '-----BEGIN', passphrase: 'pp', key: 'service/leader' },
      }),
    ).toEqual({
      token: REDACTED,
      aclToken: REDACTED,
      headers: { Authorization: REDACTED, 'X-Consul-Token': REDACTED, accept: 'json' },
      list: [{ password: REDACTED, clientSecret: REDACTED, user: 'u' }],
      // A plain `key` is the lock's KV key: shown.
      tls: { privateKey: REDACTED, passphrase: REDACTED, key: 'service/leader' },
    })
  })

  it('turns what JSON cannot carry into strings: bigints, non-finite numbers, functions, symbols, dates', () => {
    function renew() {}
    expect(
      redact({
        index: 18446744073709551615n,
        nan: Number.NaN,
        infinity: Number.POSITIVE_INFINITY,
        fn: renew,
        arrow: () => {},
        symbol: Symbol('s'),
        at: new Date(0),
        missing: [undefined],
      }),
    ).toEqual({
      index: '18446744073709551615',
      nan: 'NaN',
      infinity: 'Infinity',
      fn: '[function renew]',
      arrow: '[function arrow]',
      symbol: 'Symbol(s)',
      at: '1970-01-01T00:00:00.000Z',
      missing: [null],
    })
  })

  it('shows actor refs by their id, cycles as a marker, and shared (acyclic) values in full', () => {
    const actor = createActor(createMachine({ id: 'm' }), { id: 'lock' })
    const shared = { n: 1 }
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    expect(redact({ actor, cyclic, a: shared, b: shared })).toEqual({
      actor: '[actor lock]',
      cyclic: { name: 'loop', self: '[circular]' },
      a: { n: 1 },
      b: { n: 1 },
    })
  })

  it('shows errors with their name, message, cause and own fields (still redacted)', () => {
    const error = Object.assign(
      new Error('Unexpected response code: 500', { cause: new TypeError('socket') }),
      {
        status: 500,
        token: 'never',
      },
    )
    expect(redact({ lastError: error })).toEqual({
      lastError: {
        name: 'Error',
        message: 'Unexpected response code: 500',
        cause: { name: 'TypeError', message: 'socket' },
        status: 500,
        token: REDACTED,
      },
    })
  })

  it('shows maps and sets as entries and lists, bytes as text when they are text', () => {
    expect(
      redact({
        map: new Map<unknown, unknown>([
          ['a', 1n],
          [2, 'b'],
        ]),
        set: new Set([1, 2]),
        text: new TextEncoder().encode('node-a'),
        binary: new Uint8Array([0, 1, 255]),
      }),
    ).toEqual({ map: { a: '1', '2': 'b' }, set: [1, 2], text: 'node-a', binary: '[3 bytes]' })
  })

  it('is bounded: long strings, long lists and deep values are cut', () => {
    const deep: Record<string, unknown> = {}
    let at = deep
    for (let i = 0; i < 20; i++) {
      at.next = {}
      at = at.next as Record<string, unknown>
    }
    const shown = redact({ text: 'x'.repeat(10_000), list: Array.from({ length: 1_000 }, (_, i) => i), deep })
    const { text, list } = shown as { text: string; list: unknown[] }
    expect(text).toHaveLength(2_001)
    expect(list).toHaveLength(101)
    expect(list.at(-1)).toBe('… 900 more')
    expect(JSON.stringify(shown)).toContain('"[…]"')
  })

  it('bounds the whole output of one call, not only each level: what is left shows as cut', () => {
    // 100 × 100 strings of 2,000 characters: 20 MB if only each level were bounded.
    const row = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field${i}`, 'x'.repeat(2_000)]))
    const huge = { rows: Array.from({ length: 100 }, () => ({ ...row })), after: 'kept?' }
    const text = JSON.stringify(redact(huge))
    expect(text.length).toBeLessThan(MAX_OUTPUT * 1.1)
    expect(text.length).toBeGreaterThan(MAX_OUTPUT * 0.9)
    expect(text).toMatch(/"rows":\[\{"field0":"x{2000}"/)
    expect(text).toContain('more')
    // Bytes count too.
    const bytes = JSON.stringify(redact(Array.from({ length: 100 }, () => Buffer.from('y'.repeat(2_000)))))
    expect(bytes.length).toBeLessThan(MAX_OUTPUT * 1.1)
  })

  it('keeps a `__proto__` key a plain key, and gives JSON for any input', () => {
    const shown = redact(JSON.parse('{"__proto__": {"polluted": true}}')) as Record<string, unknown>
    expect(Object.getPrototypeOf(shown)).toBe(Object.prototype)
    expect(Object.keys(shown)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    for (const value of [null, undefined, 1, 'a', true, [1, [2]], 1n]) {
      expect(() => JSON.stringify(redact(value))).not.toThrow()
    }
  })
})
