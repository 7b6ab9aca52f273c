import { GoBase64Error, goBase64Decode } from '../go/base64.js'
import {
  decodeUint64,
  GoJsonError,
  goDecodeJson,
  goJsonKind,
  type JsonNode,
  matchField,
  unmarshalTypeError,
} from '../go/json-decode.js'
import { goQuote } from '../go/quote.js'

/** One KV operation of a transaction (`api.KVTxnOp`). */
export interface TxnKvOp {
  readonly verb: string
  readonly key: string
  readonly value: Buffer | null
  readonly flags: bigint
  readonly index: bigint
  readonly session: string
}

/** A decoded op: KV, or a catalog op the dev server does not implement. */
export type TxnOp =
  | { readonly kind: 'kv'; readonly kv: TxnKvOp }
  | { readonly kind: 'catalog'; readonly member: string }

const OP_FIELDS = ['KV', 'Node', 'Service', 'Check'] as const
const KV_FIELDS = ['Verb', 'Key', 'Value', 'Flags', 'Index', 'Session', 'Namespace', 'Partition'] as const

function fail(message: string): never {
  throw new GoJsonError(message)
}

function unknownField(key: string): never {
  return fail(`json: unknown field ${goQuote(key)}`)
}

function decodeKv(node: JsonNode): TxnKvOp {
  let verb = ''
  let key = ''
  let session = ''
  let value: Buffer | null = null
  let flags = 0n
  let index = 0n
  for (const member of (node as JsonNode & { kind: 'object' }).members) {
    const field = matchField(member.key, KV_FIELDS)
    if (field === undefined) unknownField(member.key)
    const v = member.value
    if (v.kind === 'null') {
      if (field === 'Value') value = null
      continue
    }
    const where = `KVTxnOp.KV.${field}`
    switch (field) {
      case 'Flags':
      case 'Index': {
        if (v.kind !== 'number') fail(unmarshalTypeError(goJsonKind(v), 'uint64', where))
        const parsed = decodeUint64(v)
        if (parsed === undefined) fail(unmarshalTypeError(`number ${v.raw}`, 'uint64', where))
        if (field === 'Flags') flags = parsed
        else index = parsed
        break
      }
      case 'Value': {
        if (v.kind !== 'string') fail(unmarshalTypeError(goJsonKind(v), '[]uint8', where))
        try {
          const bytes = goBase64Decode(v.value)
          value = bytes.length === 0 ? null : bytes
        } catch (error) {
          if (error instanceof GoBase64Error) fail(error.message)
          throw error
        }
        break
      }
      default: {
        if (v.kind !== 'string')
          fail(unmarshalTypeError(goJsonKind(v), field === 'Verb' ? 'api.KVOp' : 'string', where))
        if (field === 'Verb') verb = v.value
        else if (field === 'Key') key = v.value
        else if (field === 'Session') session = v.value
      }
    }
  }
  return { verb, key, value, flags, index, session }
}

/**
 * Decodes a `/v1/txn` body like Go's decoder with `DisallowUnknownFields` into `api.TxnOps`.
 * Ops with none of KV/Node/Service/Check are dropped. Throws `GoJsonError` with Go's text.
 */
export function decodeTxnOps(body: Uint8Array): TxnOp[] {
  const root = goDecodeJson(body)
  if (root.kind === 'null') return []
  if (root.kind !== 'array') fail(unmarshalTypeError(goJsonKind(root), 'api.TxnOps'))
  const ops: TxnOp[] = []
  for (const item of root.items) {
    if (item.kind === 'null') continue
    if (item.kind !== 'object') fail(unmarshalTypeError(goJsonKind(item), 'api.TxnOp'))
    const present = new Map<string, JsonNode>()
    for (const member of item.members) {
      const field = matchField(member.key, OP_FIELDS)
      if (field === undefined) unknownField(member.key)
      if (member.value.kind === 'null') continue
      if (member.value.kind !== 'object') {
        fail(
          unmarshalTypeError(
            goJsonKind(member.value),
            `api.${field === 'KV' ? 'KV' : field}TxnOp`,
            `TxnOp.${field}`,
          ),
        )
      }
      if (field === 'KV') decodeKv(member.value) // decode now so errors come in document order
      present.set(field, member.value)
    }
    // convertOps checks KV, Node, Service, Check in that order.
    const kv = present.get('KV')
    if (kv !== undefined) ops.push({ kind: 'kv', kv: decodeKv(kv) })
    else {
      const member = OP_FIELDS.find((field) => present.has(field))
      if (member !== undefined) ops.push({ kind: 'catalog', member })
    }
  }
  return ops
}
