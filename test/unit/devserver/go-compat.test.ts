import { describe, expect, it } from 'vitest'
import { goBase64Decode } from '../../../src/devserver/go/base64.js'
import { formatGoDuration, parseGoDuration } from '../../../src/devserver/go/duration.js'
import { goDecodeJson } from '../../../src/devserver/go/json-decode.js'
import { goMarshal, goMarshalPretty } from '../../../src/devserver/go/json-encode.js'
import { parseUint64 } from '../../../src/devserver/go/strconv.js'

// Texts here show up verbatim in Consul error bodies; expected values are Go's outputs.
describe('time.ParseDuration', () => {
  it.each([
    ['0', 0n],
    ['-0', 0n],
    ['1ns', 1n],
    ['1.5µs', 1500n],
    ['1.5μs', 1500n],
    ['1us', 1000n],
    ['200ms', 200_000_000n],
    ['.5s', 500_000_000n],
    ['1h2m3.5s', 3_723_500_000_000n],
    ['-1.5h', -5_400_000_000_000n],
    ['+10s', 10_000_000_000n],
    ['9223372036854775807ns', 9_223_372_036_854_775_807n],
  ])('parses %s', (text, ns) => {
    expect(parseGoDuration(text)).toBe(ns)
  })

  it.each([
    ['', 'time: invalid duration ""'],
    ['x', 'time: invalid duration "x"'],
    ['.s', 'time: invalid duration ".s"'],
    ['10', 'time: missing unit in duration "10"'],
    ['1h10', 'time: missing unit in duration "1h10"'],
    ['10z', 'time: unknown unit "z" in duration "10z"'],
    ['10 s', 'time: unknown unit " s" in duration "10 s"'],
    ['1é', 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
  ])('rejects %j with Go’s text', (text, message) => {
    expect(() => parseGoDuration(text)).toThrow(message)
  })
})

describe('time.Duration.String', () => {
  it.each([
    [0n, '0s'],
    [1n, '1ns'],
    [1500n, '1.5µs'],
    [200_000_000n, '200ms'],
    [10_000_000_000n, '10s'],
    [86_400_000_000_000n, '24h0m0s'],
    [3_723_500_000_000n, '1h2m3.5s'],
    [-1_500_000_000n, '-1.5s'],
  ])('formats %d ns as %s', (ns, text) => {
    expect(formatGoDuration(ns)).toBe(text)
  })
})

describe('strconv.ParseUint', () => {
  it('parses the full uint64 range exactly and fails like Go', () => {
    expect(parseUint64('18446744073709551615')).toBe(18446744073709551615n)
    expect(() => parseUint64('18446744073709551616')).toThrow(
      'strconv.ParseUint: parsing "18446744073709551616": value out of range',
    )
    expect(() => parseUint64('99999999999999999999x')).toThrow('value out of range')
    expect(() => parseUint64('+1')).toThrow('strconv.ParseUint: parsing "+1": invalid syntax')
  })
})

describe('encoding/json', () => {
  it('escapes like Go and keeps bigints exact', () => {
    expect(goMarshal({ A: '<a&b>\u2028\n\u0001', B: 18446744073709551615n, C: null, D: undefined })).toBe(
      '{"A":"\\u003ca\\u0026b\\u003e\\u2028\\n\\u0001","B":18446744073709551615,"C":null}',
    )
    expect(goMarshalPretty({ A: [], B: {}, C: [1] })).toBe(
      '{\n    "A": [],\n    "B": {},\n    "C": [\n        1\n    ]\n}\n',
    )
    expect(goMarshal(new Uint8Array([0xff, 0x00]))).toBe('"/wA="')
  })

  it.each([
    ['', 'EOF'],
    ['  ', 'EOF'],
    ['[1,', 'unexpected EOF'],
    ['[1,]', "invalid character ']' looking for beginning of value"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', "invalid character '\"' after object key:value pair"],
    ['[1 2]', "invalid character '2' after array element"],
    ['tru', 'unexpected EOF'],
    ['trux', "invalid character 'x' in literal true (expecting 'e')"],
    ['-x', "invalid character 'x' in numeric literal"],
    ['1.x', "invalid character 'x' after decimal point in numeric literal"],
    ['"\\q"', "invalid character 'q' in string escape code"],
    ["'", "invalid character '\\'' looking for beginning of value"],
  ])('reports %j as %s', (text, message) => {
    expect(() => goDecodeJson(Buffer.from(text))).toThrow(message)
  })

  it('reads only the first value and keeps numbers as text', () => {
    expect(goDecodeJson(Buffer.from('[18446744073709551615] trailing'))).toEqual({
      kind: 'array',
      items: [{ kind: 'number', raw: '18446744073709551615' }],
    })
  })
})

describe('base64.StdEncoding.Decode', () => {
  it.each([
    ['a', 0],
    ['ab', 0],
    ['abc', 0],
    ['YWJj!', 4],
    ['YQ=', 3],
    ['YQ==x', 4],
    ['=', 0],
  ])('rejects %j at input byte %d', (text, offset) => {
    expect(() => goBase64Decode(text)).toThrow(`illegal base64 data at input byte ${offset}`)
  })

  it('decodes padded input and skips newlines', () => {
    expect(goBase64Decode('YW\nJj').toString()).toBe('abc')
    expect(goBase64Decode('YQ==').toString()).toBe('a')
  })
})
