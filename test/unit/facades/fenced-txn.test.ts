import { describe, expect, it, vi } from 'vitest'
import type { KVPair, TxnOp, TxnResult } from '../../../src/consul/types.js'
import { ConsulError, InvalidOptionError, LockLostError } from '../../../src/errors.js'
import { type Fence, fencedTxn } from '../../../src/fenced-txn.js'

const KEY = 'service/leader'
const SESSION = '5f1c7e3a-0000-4000-8000-000000000001'

function fence(lost = new AbortController().signal): Fence {
  return { key: KEY, session: SESSION, lost, lostError: (reason) => new LockLostError(KEY, reason) }
}

function clientAnswering(result: TxnResult) {
  return { txn: vi.fn(async (_ops: readonly TxnOp[]) => result) }
}

const pair = (key: string, modifyIndex: bigint): KVPair => ({
  key,
  value: null,
  flags: 0n,
  lockIndex: 0n,
  createIndex: modifyIndex,
  modifyIndex,
})

const checkFailed = (what: string): TxnResult => ({ ok: false, results: [], errors: [{ opIndex: 0, what }] })

describe('fencedTxn', () => {
  it('sends a check-session of the fenced key first, then the ops as given', async () => {
    const client = clientAnswering({ ok: true, results: [pair(KEY, 7n), pair('a', 8n)], errors: [] })
    const ops: TxnOp[] = [{ verb: 'set', key: 'a', value: '1' }]
    await fencedTxn(client, fence(), ops)
    expect(client.txn.mock.calls[0]?.[0]).toEqual([
      { verb: 'check-session', key: KEY, session: SESSION },
      ...ops,
    ])
  })

  it("resolves with the results of the caller's ops only", async () => {
    const client = clientAnswering({ ok: true, results: [pair(KEY, 7n), pair('a', 8n)], errors: [] })
    const result = await fencedTxn(client, fence(), [{ verb: 'set', key: 'a', value: '1' }])
    expect(result).toEqual({ ok: true, results: [pair('a', 8n)], errors: [] })
  })

  it("numbers a rolled-back op's error as the caller numbered the ops", async () => {
    const what = 'failed to set key "a", index is stale'
    const client = clientAnswering({ ok: false, results: [], errors: [{ opIndex: 2, what }] })
    const result = await fencedTxn(client, fence(), [
      { verb: 'get', key: 'a' },
      { verb: 'cas', key: 'a', value: '1', index: 3n },
    ])
    expect(result).toEqual({ ok: false, results: [], errors: [{ opIndex: 1, what }] })
  })

  it.each([
    [`failed to check session, key "${KEY}" doesn't exist`, 'key-deleted'],
    [`failed session check for key "${KEY}", current session "" != "${SESSION}"`, 'session-invalidated'],
    [`failed session check for key "${KEY}", current session "other" != "${SESSION}"`, 'taken'],
  ] as const)('rejects with a LockLostError when Consul answers %j: %s', async (what, reason) => {
    const error = await fencedTxn(clientAnswering(checkFailed(what)), fence(), []).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LockLostError)
    expect(error).toMatchObject({ key: KEY, reason })
  })

  it('rejects with a ConsulError when the check failed for another reason (it says nothing of the lock)', async () => {
    const what = 'Permission denied'
    const error = await fencedTxn(clientAnswering(checkFailed(what)), fence(), []).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConsulError)
    expect(error).toMatchObject({ status: 409, body: what, path: '/v1/txn' })
  })

  it("rejects with the lease's own reason once it knows the lock is lost, sending nothing", async () => {
    const controller = new AbortController()
    const lost = new LockLostError(KEY, 'renew-failed')
    controller.abort(lost)
    const client = clientAnswering({ ok: true, results: [], errors: [] })
    await expect(fencedTxn(client, fence(controller.signal), [])).rejects.toBe(lost)
    expect(client.txn).not.toHaveBeenCalled()
  })

  it('refuses more ops than fit beside the check, before sending', async () => {
    const client = clientAnswering({ ok: true, results: [], errors: [] })
    const ops: TxnOp[] = Array.from({ length: 128 }, (_, i) => ({ verb: 'get', key: `k${i}` }))
    await expect(fencedTxn(client, fence(), ops)).rejects.toBeInstanceOf(InvalidOptionError)
    expect(client.txn).not.toHaveBeenCalled()
  })
})
