/**
 * What an inspector may show of a context or an event: plain JSON, with secrets hidden. Keys
 * that name a secret (token, secret, password, authorization, private key, passphrase) are
 * replaced by `[redacted]`, whatever their value; bigints become decimal strings; cycles,
 * functions and actor refs become short markers; the size is bounded so a huge value cannot fill
 * the inspector's memory.
 */

/**
 * Keys whose value is never shown. Not a plain `key`: the lock's KV key is what the page is for.
 */
export const SECRET_KEY = /token|secret|password|authorization|privateKey|passphrase/i

export const REDACTED = '[redacted]'

/** Deeper values are cut off (`[…]`). */
const MAX_DEPTH = 8
/** Longer strings are cut to this many characters and marked with `…`. */
const MAX_STRING = 2_000
/** Longer arrays (and objects with more keys) keep this many items and a `…` marker. */
const MAX_ITEMS = 100
/**
 * About how many characters one `redact()` call may give (strings, keys, and a few per value):
 * the limits above are per level, and 100 × 100 strings of 2,000 characters would be 20 MB.
 * What is left when it is spent shows as `[…]`.
 */
export const MAX_OUTPUT = 64 * 1024
/** What a value costs besides its text: its separators and quotes, roughly. */
const NODE_COST = 4

/** The state of one `redact()` call: the objects being walked, and the characters still allowed. */
interface Walk {
  ancestors: Set<object>
  left: number
}

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
  return safe(value, 0, { ancestors: new Set(), left: MAX_OUTPUT })
}

function safe(value: unknown, depth: number, walk: Walk): unknown {
  if (walk.left <= 0) return CUT
  walk.left -= NODE_COST
  switch (typeof value) {
    case 'string':
      return cut(value, walk)
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
  if (walk.ancestors.has(object)) return '[circular]'
  if (depth >= MAX_DEPTH) return CUT
  const special = leafOf(object, walk)
  if (special !== undefined) return special
  walk.ancestors.add(object)
  try {
    return Array.isArray(object) || object instanceof Set
      ? safeItems([...(object as Iterable<unknown>)], depth, walk)
      : safeEntries(entriesOf(object), depth, walk)
  } finally {
    walk.ancestors.delete(object)
  }
}

/** What stands for a value cut off: too deep, or past the output budget. */
const CUT = '[…]'

/** `text`, cut to `MAX_STRING` characters and to what is left of the budget (marked with `…`). */
function cut(text: string, walk: Walk): string {
  const room = Math.max(0, Math.min(MAX_STRING, walk.left))
  walk.left -= Math.min(text.length, room)
  return text.length > room ? `${text.slice(0, room)}…` : text
}

/** Objects shown as one value: actor refs, dates, byte arrays, promises. */
function leafOf(object: object, walk: Walk): unknown {
  if (isActorRef(object)) return `[actor ${object.id ?? object.sessionId}]`
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString()
  if (ArrayBuffer.isView(object)) return bytesText(object, walk)
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
function bytesText(view: ArrayBufferView, walk: Walk): string {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength)
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
    if (!/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return cut(text, walk)
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

function safeEntries(entries: Array<[string, unknown]>, depth: number, walk: Walk) {
  const out: Record<string, unknown> = {}
  const shown = entries.slice(0, MAX_ITEMS)
  let count = 0
  for (const [key, value] of shown) {
    if (walk.left <= 0) break
    count++
    if (value === undefined) continue
    walk.left -= key.length
    const view = SECRET_KEY.test(key) ? REDACTED : safe(value, depth + 1, walk)
    // Defined, not assigned: a `__proto__` key stays a key.
    Object.defineProperty(out, key, { value: view, enumerable: true, writable: true, configurable: true })
  }
  if (entries.length > count) out['…'] = `${entries.length - count} more`
  return out
}

function safeItems(items: unknown[], depth: number, walk: Walk): unknown[] {
  const out: unknown[] = []
  for (const item of items.slice(0, MAX_ITEMS)) {
    if (walk.left <= 0) break
    out.push(safe(item, depth + 1, walk))
  }
  if (items.length > out.length) out.push(`… ${items.length - out.length} more`)
  return out
}
