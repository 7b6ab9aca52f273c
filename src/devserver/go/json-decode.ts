import { goQuote } from './quote.js'

/**
 * A JSON reader that behaves like Go's `json.Decoder.Decode` where a client can see it:
 * the same syntax-error texts (`invalid character 'x' looking for beginning of value`,
 * `unexpected EOF`, `EOF`), only the first value is read (trailing bytes are ignored), and
 * numbers are kept as their source text so uint64 fields are never rounded.
 */

export type JsonNode =
  | { readonly kind: 'object'; readonly members: ReadonlyArray<{ key: string; value: JsonNode }> }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly raw: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'null' }

/** Message is Go's error text (`SyntaxError.msg`, `io.EOF` or `io.ErrUnexpectedEOF`). */
export class GoJsonError extends Error {
  override readonly name = 'GoJsonError'
}

/** The word Go uses for a JSON value's type in `UnmarshalTypeError`. */
export function goJsonKind(node: JsonNode): string {
  return node.kind === 'bool' ? 'bool' : node.kind
}

function quoteChar(byte: number): string {
  if (byte === 0x27) return `'\\''`
  if (byte === 0x22) return `'"'`
  const quoted = goQuote(String.fromCharCode(byte))
  return `'${quoted.slice(1, -1)}'`
}

const UTF8 = new TextDecoder('utf-8')
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d])
const SIMPLE_ESCAPES: Readonly<Record<number, string>> = {
  34: '"',
  92: '\\',
  47: '/',
  98: '\b',
  102: '\f',
  110: '\n',
  114: '\r',
  116: '\t',
}
const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39
const isHex = (b: number): boolean => isDigit(b) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46)

class Reader {
  private pos = 0
  constructor(private readonly bytes: Uint8Array) {}

  private unexpectedEOF(): never {
    throw new GoJsonError('unexpected EOF')
  }

  private invalid(byte: number, context: string): never {
    throw new GoJsonError(`invalid character ${quoteChar(byte)} ${context}`)
  }

  private peek(): number | undefined {
    return this.bytes[this.pos]
  }

  /** Next byte, or `unexpected EOF`. */
  private need(): number {
    const byte = this.bytes[this.pos]
    if (byte === undefined) this.unexpectedEOF()
    return byte
  }

  skipWhitespace(): void {
    while (this.pos < this.bytes.length && WHITESPACE.has(this.bytes[this.pos] as number)) this.pos++
  }

  atEnd(): boolean {
    return this.pos >= this.bytes.length
  }

  value(topLevel: boolean): JsonNode {
    this.skipWhitespace()
    const byte = this.need()
    if (byte === 0x7b) return this.object()
    if (byte === 0x5b) return this.array()
    if (byte === 0x22) return { kind: 'string', value: this.string() }
    if (byte === 0x2d || isDigit(byte)) return this.number(topLevel)
    if (byte === 0x74) return this.literal('true', { kind: 'bool', value: true })
    if (byte === 0x66) return this.literal('false', { kind: 'bool', value: false })
    if (byte === 0x6e) return this.literal('null', { kind: 'null' })
    return this.invalid(byte, 'looking for beginning of value')
  }

  private object(): JsonNode {
    this.pos++
    const members: Array<{ key: string; value: JsonNode }> = []
    this.skipWhitespace()
    if (this.need() === 0x7d) {
      this.pos++
      return { kind: 'object', members }
    }
    for (;;) {
      const start = this.need()
      if (start !== 0x22) this.invalid(start, 'looking for beginning of object key string')
      const key = this.string()
      this.skipWhitespace()
      const colon = this.need()
      if (colon !== 0x3a) this.invalid(colon, 'after object key')
      this.pos++
      members.push({ key, value: this.value(false) })
      this.skipWhitespace()
      const next = this.need()
      this.pos++
      if (next === 0x7d) return { kind: 'object', members }
      if (next !== 0x2c) this.invalid(next, 'after object key:value pair')
      this.skipWhitespace()
    }
  }

  private array(): JsonNode {
    this.pos++
    const items: JsonNode[] = []
    this.skipWhitespace()
    if (this.need() === 0x5d) {
      this.pos++
      return { kind: 'array', items }
    }
    for (;;) {
      items.push(this.value(false))
      this.skipWhitespace()
      const next = this.need()
      this.pos++
      if (next === 0x5d) return { kind: 'array', items }
      if (next !== 0x2c) this.invalid(next, 'after array element')
    }
  }

  private literal(word: string, node: JsonNode): JsonNode {
    this.pos++
    for (let i = 1; i < word.length; i++) {
      const byte = this.need()
      if (byte !== word.charCodeAt(i))
        this.invalid(byte, `in literal ${word} (expecting ${quoteChar(word.charCodeAt(i))})`)
      this.pos++
    }
    return node
  }

  /** A number ends at the first byte that cannot continue it; at top level EOF also ends it. */
  private number(topLevel: boolean): JsonNode {
    const start = this.pos
    const more = (): number | undefined => {
      const byte = this.peek()
      if (byte === undefined && !topLevel) this.unexpectedEOF()
      return byte
    }
    if (this.peek() === 0x2d) {
      this.pos++
      const byte = this.need()
      if (!isDigit(byte)) this.invalid(byte, 'in numeric literal')
    }
    if (this.peek() === 0x30) this.pos++
    else while (isDigit(this.peek())) this.pos++
    let byte = more()
    if (byte === 0x2e) {
      this.pos++
      const first = this.need()
      if (!isDigit(first)) this.invalid(first, 'after decimal point in numeric literal')
      while (isDigit(this.peek())) this.pos++
      byte = more()
    }
    if (byte === 0x65 || byte === 0x45) {
      this.pos++
      let next = this.need()
      if (next === 0x2b || next === 0x2d) {
        this.pos++
        next = this.need()
      }
      if (!isDigit(next)) this.invalid(next, 'in exponent of numeric literal')
      while (isDigit(this.peek())) this.pos++
      more()
    }
    return { kind: 'number', raw: Buffer.from(this.bytes.subarray(start, this.pos)).toString('latin1') }
  }

  /** Reads a string token and unquotes it like Go (bad UTF-8 and lone surrogates → U+FFFD). */
  private string(): string {
    this.pos++
    let out = ''
    let runStart = this.pos
    const flush = (end: number): void => {
      out += UTF8.decode(this.bytes.subarray(runStart, end))
    }
    for (;;) {
      const byte = this.need()
      if (byte === 0x22) {
        flush(this.pos)
        this.pos++
        return out
      }
      if (byte < 0x20) this.invalid(byte, 'in string literal')
      if (byte !== 0x5c) {
        this.pos++
        continue
      }
      flush(this.pos)
      this.pos++
      const escapeByte = this.need()
      this.pos++
      const replacement = SIMPLE_ESCAPES[escapeByte]
      if (replacement !== undefined) out += replacement
      else if (escapeByte === 0x75) out += this.unicodeEscape()
      else this.invalid(escapeByte, 'in string escape code')
      runStart = this.pos
    }
  }

  private hex4(): number {
    let value = 0
    for (let i = 0; i < 4; i++) {
      const byte = this.need()
      if (!isHex(byte)) this.invalid(byte, 'in \\u hexadecimal character escape')
      value = value * 16 + Number.parseInt(String.fromCharCode(byte), 16)
      this.pos++
    }
    return value
  }

  private unicodeEscape(): string {
    const first = this.hex4()
    if (first < 0xd800 || first > 0xdfff) return String.fromCharCode(first)
    // A high surrogate followed by `\uDC00`–`\uDFFF` is one rune; anything else is U+FFFD.
    if (first <= 0xdbff && this.bytes[this.pos] === 0x5c && this.bytes[this.pos + 1] === 0x75) {
      this.pos += 2
      const second = this.hex4()
      if (second >= 0xdc00 && second <= 0xdfff) return String.fromCharCode(first, second)
      return `\ufffd${second >= 0xd800 && second <= 0xdfff ? '\ufffd' : String.fromCharCode(second)}`
    }
    return '\ufffd'
  }
}

/** `json.NewDecoder(body).Decode(&v)`'s syntax layer: the first JSON value in `body`. */
export function goDecodeJson(body: Uint8Array): JsonNode {
  const reader = new Reader(body)
  reader.skipWhitespace()
  if (reader.atEnd()) throw new GoJsonError('EOF')
  return reader.value(true)
}

/** Finds a struct field the way Go does: exact name first, then case-insensitively. */
export function matchField<T extends string>(key: string, fields: readonly T[]): T | undefined {
  const exact = fields.find((field) => field === key)
  if (exact !== undefined) return exact
  const lower = key.toLowerCase()
  return fields.find((field) => field.toLowerCase() === lower)
}

/** Go's `UnmarshalTypeError` text. `field` is `Struct.path.to.Field`, or undefined for a bare value. */
export function unmarshalTypeError(value: string, type: string, field?: string): string {
  return field === undefined
    ? `json: cannot unmarshal ${value} into Go value of type ${type}`
    : `json: cannot unmarshal ${value} into Go struct field ${field} of type ${type}`
}

/** Decodes a JSON number into a uint64 exactly as Go does, or returns Go's error value text. */
export function decodeUint64(node: JsonNode & { kind: 'number' }): bigint | undefined {
  if (!/^(0|[1-9]\d*)$/.test(node.raw)) return undefined
  const value = BigInt(node.raw)
  return value <= 0xffff_ffff_ffff_ffffn ? value : undefined
}
