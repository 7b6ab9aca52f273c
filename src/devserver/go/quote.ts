/**
 * Go's string quoting, byte for byte, because Consul puts quoted user input into error bodies
 * (`strconv.Quote` via `%q`, and the smaller `time.quote` inside duration errors).
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/** `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isGoPrintable(char: string): boolean {
  return PRINTABLE.test(char)
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0')

/** `strconv.Quote`, used by `%q`. Lone UTF-16 surrogates are treated like invalid UTF-8 (`\ufffd`). */
export function goQuote(text: string): string {
  let out = '"'
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0
    if (char === '"' || char === '\\') out += `\\${char}`
    else if (code >= 0xd800 && code <= 0xdfff) out += '\\ufffd'
    else if (isGoPrintable(char)) out += char
    else if (code === 7) out += '\\a'
    else if (code === 8) out += '\\b'
    else if (code === 12) out += '\\f'
    else if (code === 10) out += '\\n'
    else if (code === 13) out += '\\r'
    else if (code === 9) out += '\\t'
    else if (code === 11) out += '\\v'
    else if (code < 0x80) out += `\\x${hex2(code)}`
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += `\\U${code.toString(16).padStart(8, '0')}`
  }
  return `${out}"`
}

/**
 * The `time` package's private `quote`: escapes `"` and `\`, and writes every byte of a
 * non-ASCII or control character as `\xNN`.
 */
export function goTimeQuote(text: string): string {
  let out = '"'
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0
    if (code >= 0x80 || code < 0x20) {
      for (const byte of Buffer.from(char, 'utf8')) out += `\\x${hex2(byte)}`
    } else {
      out += char === '"' || char === '\\' ? `\\${char}` : char
    }
  }
  return `${out}"`
}
