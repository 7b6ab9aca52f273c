import type { GoJsonValue } from '../go/json-encode.js'
import type { KvEntry } from '../state/kv.js'
import type { Session } from '../state/sessions.js'

/** `structs.DirEntry` JSON: field order as Go declares it; `Session` omitted when empty. */
export function kvEntryJson(entry: KvEntry, withValue = true): GoJsonValue {
  return {
    LockIndex: entry.lockIndex,
    Key: entry.key,
    Flags: entry.flags,
    Value: withValue ? entry.value : null,
    Session: entry.session === '' ? undefined : entry.session,
    CreateIndex: entry.createIndex,
    ModifyIndex: entry.modifyIndex,
  }
}

/** `structs.Session` JSON: LockDelay in ns; `Checks` is `omitempty`. */
export function sessionJson(session: Session): GoJsonValue {
  return {
    ID: session.id,
    Name: session.name,
    Node: session.node,
    LockDelay: session.lockDelayNs,
    Behavior: session.behavior,
    TTL: session.ttl,
    NodeChecks: session.nodeChecks,
    ServiceChecks:
      session.serviceChecks?.map((check) => ({ ID: check.id, Namespace: check.namespace })) ?? null,
    Checks: session.checks === null || session.checks.length === 0 ? undefined : session.checks,
    CreateIndex: session.createIndex,
    ModifyIndex: session.modifyIndex,
  }
}
