/**
 * What an inspector may show of a context or an event: plain JSON, with secrets hidden. Keys
 * that name a secret (token, secret, password, authorization) are replaced by `[redacted]`,
 * whatever their value; bigints become decimal strings; cycles, functions and actor refs become
 * short markers; the size is bounded so a huge value cannot fill the inspector's memory.
 */

/** Keys whose value is never shown. */
export const SECRET_KEY = /token|secret|password|authorization/i

export const REDACTED = '[redacted]'

/** Deeper values are cut off (`[…]`). */
const MAX_DEPTH = 8
/** Longer strings are cut to this many characters and marked with `…`. */
const MAX_STRING = 2_000
/** Longer arrays (and objects with more keys) keep this many items and a `…` marker. */
const MAX_ITEMS = 100

/**
 * `value` as JSON-safe data with secrets hidden: the view of a context or an event an
 * inspector shows (and may send over the wire).
 *
 * @example
 * ```ts
 * redact({ token: 'abc', index: 42n, self: actorRef }) // { token: '[redacted]', index: '42', self: '[actor lock]' }
 * ```
 */
export function redact(value: unknown): unknown {
  return safe(value, 0, new Set())
}

function safe(value: unknown, depth: number, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
      return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value
    case 'number':
      return Number.isFinite(value) ? value : String(value)
    case 'boolean':
      return value
    case 'bigint':
      return value.toString()
    case 'undefined':
      return null
    case 'symbol':
      return value.toString()
    case 'function':
      return `[function ${value.name || 'anonymous'}]`
  }
  if (value === null) return null
  const object = value as object
  if (ancestors.has(object)) return '[circular]'
  if (depth >= MAX_DEPTH) return '[…]'
  const special = leafOf(object)
  if (special !== undefined) return special
  ancestors.add(object)
  try {
    return Array.isArray(object) || object instanceof Set
      ? safeItems([...(object as Iterable<unknown>)], depth, ancestors)
      : safeEntries(entriesOf(object), depth, ancestors)
  } finally {
    ancestors.delete(object)
  }
}

/** Objects shown as one value: actor refs, dates, byte arrays, promises. */
function leafOf(object: object): unknown {
  if (isActorRef(object)) return `[actor ${object.id ?? object.sessionId}]`
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString()
  if (ArrayBuffer.isView(object)) return bytesText(object)
  if (object instanceof ArrayBuffer) return `[${object.byteLength} bytes]`
  if (object instanceof Promise) return '[promise]'
  if (object instanceof AbortSignal) return { aborted: object.aborted }
  return undefined
}

function isActorRef(object: object): object is { sessionId: string; id?: string } {
  const ref = object as { sessionId?: unknown; send?: unknown; getSnapshot?: unknown }
  return (
    typeof ref.sessionId === 'string' &&
    typeof ref.send === 'function' &&
    typeof ref.getSnapshot === 'function'
  )
}

/** Bytes as UTF-8 text when they are printable text, else their length. */
function bytesText(view: ArrayBufferView): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
    if (!/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return safe(text, 0, new Set()) as string
  } catch {
    // Not UTF-8.
  }
  return `[${bytes.byteLength} bytes]`
}

/** An object's entries: an error's name, message and own fields; a map's entries; own enumerable keys. */
function entriesOf(object: object): Array<[string, unknown]> {
  if (object instanceof Map) return [...object.entries()].map(([key, value]) => [String(key), value])
  const own = Object.entries(object)
  if (!(object instanceof Error)) return own
  const fields: Array<[string, unknown]> = [
    ['name', object.name],
    ['message', object.message],
  ]
  if (object.cause !== undefined) fields.push(['cause', object.cause])
  return [...fields, ...own.filter(([key]) => key !== 'name' && key !== 'message' && key !== 'cause')]
}

function safeEntries(entries: Array<[string, unknown]>, depth: number, ancestors: Set<object>) {
  const out: Record<string, unknown> = {}
  for (const [key, value] of entries.slice(0, MAX_ITEMS)) {
    if (value === undefined) continue
    const shown = SECRET_KEY.test(key) ? REDACTED : safe(value, depth + 1, ancestors)
    // Defined, not assigned: a `__proto__` key stays a key.
    Object.defineProperty(out, key, { value: shown, enumerable: true, writable: true, configurable: true })
  }
  if (entries.length > MAX_ITEMS) out['…'] = `${entries.length - MAX_ITEMS} more`
  return out
}

function safeItems(items: unknown[], depth: number, ancestors: Set<object>): unknown[] {
  const out = items.slice(0, MAX_ITEMS).map((item) => safe(item, depth + 1, ancestors))
  if (items.length > MAX_ITEMS) out.push(`… ${items.length - MAX_ITEMS} more`)
  return out
}
