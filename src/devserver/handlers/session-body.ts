import { parseGoDuration, SECOND } from '../go/duration.js'
import {
  decodeUint64,
  GoJsonError,
  goDecodeJson,
  goJsonKind,
  type JsonNode,
  matchField,
  unmarshalTypeError,
} from '../go/json-decode.js'
import type { ServiceCheckRef } from '../state/sessions.js'

/** A session create request after defaults, body decoding and the checks fix-up. */
export interface SessionDraft {
  name: string
  node: string
  lockDelayNs: bigint
  behavior: string
  ttl: string
  nodeChecks: string[] | null
  serviceChecks: ServiceCheckRef[] | null
  checks: string[] | null
}

/** Defaults applied before the body is decoded (agent/session_endpoint.go). */
export function defaultSessionDraft(nodeName: string): SessionDraft {
  return {
    name: '',
    node: nodeName,
    lockDelayNs: 15n * SECOND,
    behavior: 'release',
    ttl: '',
    nodeChecks: ['serfHealth'],
    serviceChecks: null,
    checks: ['serfHealth'],
  }
}

/** Below this many ns a numeric LockDelay is taken as seconds (`lockDelayMinThreshold`). */
const LOCK_DELAY_MIN_THRESHOLD = 1000n
const INT64_MAX = 2n ** 63n - 1n

// Session.UnmarshalJSON decodes into `struct { LockDelay interface{}; *Alias }`; Go names
// that anonymous struct "" in field errors and spells it out for a top-level mismatch.
const AUX_TYPE = 'struct { LockDelay interface {}; *structs.Alias }'
const FIELDS = [
  'LockDelay',
  'ID',
  'Name',
  'Node',
  'Behavior',
  'TTL',
  'NodeChecks',
  'ServiceChecks',
  'Checks',
  'CreateIndex',
  'ModifyIndex',
] as const
const STRING_TYPES: Readonly<Record<string, string>> = {
  ID: 'string',
  Name: 'string',
  Node: 'string',
  Behavior: 'structs.SessionBehavior',
  TTL: 'string',
}

function fail(message: string): never {
  throw new GoJsonError(message)
}

function decodeStringList(node: JsonNode, field: string, elementType: string): string[] | null {
  if (node.kind === 'null') return null
  if (node.kind !== 'array') fail(unmarshalTypeError(goJsonKind(node), `[]${elementType}`, `.${field}`))
  return node.items.map((item) => {
    if (item.kind === 'null') return ''
    if (item.kind !== 'string') fail(unmarshalTypeError(goJsonKind(item), elementType, `.${field}`))
    return item.value
  })
}

function decodeServiceChecks(node: JsonNode): ServiceCheckRef[] | null {
  if (node.kind === 'null') return null
  if (node.kind !== 'array')
    fail(unmarshalTypeError(goJsonKind(node), '[]structs.ServiceCheck', '.ServiceChecks'))
  return node.items.map((item) => {
    if (item.kind === 'null') return { id: '', namespace: '' }
    if (item.kind !== 'object')
      fail(unmarshalTypeError(goJsonKind(item), 'structs.ServiceCheck', '.ServiceChecks'))
    const check = { id: '', namespace: '' }
    for (const member of item.members) {
      const field = matchField(member.key, ['ID', 'Namespace'] as const)
      if (field === undefined || member.value.kind === 'null') continue
      if (member.value.kind !== 'string') {
        fail(unmarshalTypeError(goJsonKind(member.value), 'string', `ServiceCheck.ServiceChecks.${field}`))
      }
      if (field === 'ID') check.id = member.value.value
      else check.namespace = member.value.value
    }
    return check
  })
}

/** `time.Duration(float64)` then the "small numbers are seconds" rule. */
function lockDelayFrom(node: JsonNode): bigint {
  let ns = 0n
  if (node.kind === 'string') ns = parseGoDuration(node.value)
  else if (node.kind === 'number') {
    const float = Number(node.raw)
    ns = Number.isFinite(float) ? BigInt(Math.trunc(float)) : 0n
    if (ns > INT64_MAX || ns < -INT64_MAX - 1n) ns = -INT64_MAX - 1n
  }
  // `dur * time.Second` is int64 arithmetic in Go: it wraps instead of growing.
  return ns < LOCK_DELAY_MIN_THRESHOLD ? BigInt.asIntN(64, ns * SECOND) : ns
}

/**
 * Decodes a session create body onto `draft`, as Go's decoder plus `Session.UnmarshalJSON`
 * would: case-insensitive names, unknown fields ignored, first type error wins, LockDelay
 * parsed last. Throws `GoJsonError`/`GoDurationError` whose message is Go's error text.
 */
export function decodeSessionBody(body: Uint8Array, draft: SessionDraft): void {
  const root = goDecodeJson(body)
  if (root.kind === 'null') return
  if (root.kind !== 'object') fail(unmarshalTypeError(goJsonKind(root), AUX_TYPE))
  let lockDelay: JsonNode | undefined
  for (const { key, value } of root.members) {
    const field = matchField(key, FIELDS)
    if (field === undefined) continue
    if (field === 'LockDelay') {
      lockDelay = value
      continue
    }
    if (value.kind === 'null') {
      if (field === 'NodeChecks') draft.nodeChecks = null
      else if (field === 'Checks') draft.checks = null
      else if (field === 'ServiceChecks') draft.serviceChecks = null
      continue
    }
    const stringType = STRING_TYPES[field]
    if (stringType !== undefined) {
      if (value.kind !== 'string') fail(unmarshalTypeError(goJsonKind(value), stringType, `.${field}`))
      if (field === 'Name') draft.name = value.value
      else if (field === 'Node') draft.node = value.value
      else if (field === 'Behavior') draft.behavior = value.value
      else if (field === 'TTL') draft.ttl = value.value
      continue
    }
    if (field === 'NodeChecks') draft.nodeChecks = decodeStringList(value, field, 'string')
    else if (field === 'Checks') draft.checks = decodeStringList(value, field, 'types.CheckID')
    else if (field === 'ServiceChecks') draft.serviceChecks = decodeServiceChecks(value)
    else if (value.kind !== 'number') fail(unmarshalTypeError(goJsonKind(value), 'uint64', `.${field}`))
    else if (decodeUint64(value) === undefined)
      fail(unmarshalTypeError(`number ${value.raw}`, 'uint64', `.${field}`))
  }
  // `null` leaves the default (15 s) in place; any other non-string, non-number type means 0.
  if (lockDelay !== undefined && lockDelay.kind !== 'null') draft.lockDelayNs = lockDelayFrom(lockDelay)
}

/**
 * `fixupEmptySessionChecks`: `Checks: []` means "no checks at all"; the default
 * `Checks: ["serfHealth"]` defers to NodeChecks; `NodeChecks: []` drops the legacy list.
 */
export function fixupSessionChecks(draft: SessionDraft): void {
  const checks = draft.checks ?? []
  if (checks.length === 0) {
    draft.nodeChecks = []
    return
  }
  if (checks.length === 1 && checks[0] === 'serfHealth') {
    draft.checks = null
    return
  }
  if ((draft.nodeChecks ?? []).length === 0) draft.checks = null
}
