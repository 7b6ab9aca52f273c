/**
 * The semaphore's actors: one Consul call each, with the semaphore flags where Go writes them,
 * and the machine's abort signal passed through.
 */
import { describe, expect, it } from 'vitest'
import { createActor } from 'xstate'
import { acquireContender } from '../../../machines/actors/acquire-contender.js'
import { deleteContender } from '../../../machines/actors/delete-contender.js'
import { createSemaphoreActors } from '../../../machines/actors/index.js'
import { listPrefix } from '../../../machines/actors/list-prefix.js'
import { writeRecord } from '../../../machines/actors/write-record.js'
import { SEMAPHORE_FLAG_VALUE } from '../../../machines/flags.js'
import { fakeClient, meta, run } from '../../support/fake-client.js'
import { contenderPair, PREFIX } from '../../support/semaphore-harness.js'

const signal = expect.any(AbortSignal)

describe('createSemaphoreActors', () => {
  it('binds one actor per Consul call, named as the machine invokes them', () => {
    expect(Object.keys(createSemaphoreActors(fakeClient())).sort()).toEqual([
      'acquireContender',
      'createSession',
      'deleteContender',
      'deleteRecord',
      'destroySession',
      'listPrefix',
      'readRecord',
      'renewSession',
      'writeRecord',
    ])
  })
})

describe('listPrefix actor', () => {
  it('lists <prefix>/ recursively, blocking with the index and wait it is given', async () => {
    const client = fakeClient()
    const pairs = [contenderPair('sess-1')]
    client.kv.list.mockResolvedValue({ value: pairs, meta: meta(12n) })
    await expect(
      run(listPrefix(client), { prefix: PREFIX, index: 7n, waitMs: 3_000, consistent: false }),
    ).resolves.toEqual({ pairs, index: 12n })
    expect(client.kv.list).toHaveBeenCalledWith(`${PREFIX}/`, {
      index: 7n,
      wait: 3_000,
      consistent: false,
      signal,
    })
  })

  it('sends no wait when none is given (the monitor: Consul default), consistent when asked', async () => {
    const client = fakeClient()
    client.kv.list.mockResolvedValue({ value: [], meta: meta(1n) })
    await run(listPrefix(client), { prefix: PREFIX, index: 0n, consistent: true })
    const [, options] = client.kv.list.mock.calls[0] ?? []
    expect(options).toEqual({ index: 0n, consistent: true, signal })
  })

  it('aborts the list when the actor is stopped', () => {
    const client = fakeClient()
    let seen: AbortSignal | undefined
    client.kv.list.mockImplementation((_prefix, options) => {
      seen = options?.signal
      return new Promise(() => {})
    })
    const actor = createActor(listPrefix(client), { input: { prefix: PREFIX, index: 3n, consistent: true } })
    actor.start()
    actor.stop()
    expect(seen?.aborted).toBe(true)
  })
})

describe('acquireContender actor', () => {
  it('acquires <prefix>/<session> for the session, with its value and the semaphore flags', async () => {
    const client = fakeClient()
    client.kv.acquire.mockResolvedValue(true)
    const input = { key: `${PREFIX}/sess-1`, session: 'sess-1', value: 'node-a' }
    await expect(run(acquireContender(client), input)).resolves.toBe(true)
    expect(client.kv.acquire).toHaveBeenCalledWith(`${PREFIX}/sess-1`, 'sess-1', 'node-a', {
      flags: SEMAPHORE_FLAG_VALUE,
      signal,
    })
  })

  it("resolves Consul's false", async () => {
    const client = fakeClient()
    client.kv.acquire.mockResolvedValue(false)
    await expect(run(acquireContender(client), { key: 'k/s', session: 's', value: null })).resolves.toBe(
      false,
    )
  })
})

describe('writeRecord actor', () => {
  it('writes the record by check-and-set, with the semaphore flags', async () => {
    const client = fakeClient()
    client.kv.put.mockResolvedValue(false)
    const value = '{"Limit":2,"Holders":{"sess-1":true}}'
    await expect(run(writeRecord(client), { key: `${PREFIX}/.lock`, value, modifyIndex: 0n })).resolves.toBe(
      false,
    )
    expect(client.kv.put).toHaveBeenCalledWith(`${PREFIX}/.lock`, value, {
      cas: 0n,
      flags: SEMAPHORE_FLAG_VALUE,
      signal,
    })
  })
})

describe('deleteContender actor', () => {
  it('deletes <prefix>/<session> unconditionally', async () => {
    const client = fakeClient()
    client.kv.delete.mockResolvedValue(true)
    await expect(run(deleteContender(client), { key: `${PREFIX}/sess-1` })).resolves.toBeUndefined()
    expect(client.kv.delete).toHaveBeenCalledWith(`${PREFIX}/sess-1`, { signal })
  })
})
