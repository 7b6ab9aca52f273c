/**
 * JSON output as Go's `encoding/json` writes it: HTML-safe string escapes (`<` → `\u003c`),
 * `[]byte` as padded base64, exact uint64 integers (bigint), and `json.MarshalIndent` with a
 * 4-space indent plus a trailing newline, which is what a dev-mode agent always sends.
 */

/** A value the encoder understands. `undefined` object members are omitted (`omitempty`). */
export type GoJsonValue =
  | null
  | boolean
  | string
  | number
  | bigint
  | Uint8Array
  | readonly GoJsonValue[]
  | { readonly [key: string]: GoJsonValue | undefined }

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
}

/** Go's `encodeState.string` with `escapeHTML` on. Lone surrogates become `\ufffd`, like invalid UTF-8. */
export function goJsonString(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped
  const needsWork = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/
  if (!needsWork.test(text)) return `"${text}"`
  let out = '"'
  for (const char of text) {
    const short = SHORT_ESCAPES[char]
    const code = char.codePointAt(0) ?? 0
    if (short !== undefined) out += short
    else if (
      code < 0x20 ||
      char === '<' ||
      char === '>' ||
      char === '&' ||
      code === 0x2028 ||
      code === 0x2029
    ) {
      out += `\\u${code.toString(16).padStart(4, '0')}`
    } else if (code >= 0xd800 && code <= 0xdfff) out += '\\ufffd'
    else out += char
  }
  return `${out}"`
}

function encode(value: GoJsonValue, indent: string | undefined, depth: number): string {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false'
    case 'string':
      return goJsonString(value)
    case 'bigint':
      return value.toString()
    case 'number':
      if (!Number.isSafeInteger(value))
        throw new TypeError(`go-json: refusing to encode non-integer ${value}`)
      return String(value)
  }
  if (value instanceof Uint8Array) return `"${Buffer.from(value).toString('base64')}"`
  const inner = indent === undefined ? '' : `\n${indent.repeat(depth + 1)}`
  const outer = indent === undefined ? '' : `\n${indent.repeat(depth)}`
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    const items = value.map((item: GoJsonValue) => inner + encode(item, indent, depth + 1))
    return `[${items.join(',')}${outer}]`
  }
  const members: string[] = []
  for (const [key, member] of Object.entries(value as Record<string, GoJsonValue | undefined>)) {
    if (member === undefined) continue
    const separator = indent === undefined ? ':' : ': '
    members.push(inner + goJsonString(key) + separator + encode(member, indent, depth + 1))
  }
  if (members.length === 0) return '{}'
  return `{${members.join(',')}${outer}}`
}

/** `json.Marshal`: compact, no trailing newline. */
export function goMarshal(value: GoJsonValue): string {
  return encode(value, undefined, 0)
}

/** `json.MarshalIndent(v, "", "    ")` plus the `\n` Consul appends. */
export function goMarshalPretty(value: GoJsonValue): string {
  return `${encode(value, '    ', 0)}\n`
}
