import { describe, expect, it } from 'vitest'
import { againstRealConsul, uniquePrefix, useTarget } from '../../support/consul-target.js'
import { createSession, type KvPairJson, raw } from '../../support/raw-http.js'

// Every way a session dies must wake single-key and prefix watchers exactly as a plain write
// would, and leave a lock-delay on each key it held. Dev-server only: TTL expiry and critical
// checks are driven through the server (a real agent's 10 s TTL floor would make it slow).
const t = useTarget()

type Kill = 'destroy' | 'ttl' | 'critical check'
type Behavior = 'release' | 'delete'

async function kill(how: Kill, id: string, check: string): Promise<void> {
  if (how === 'destroy') await raw(t, 'PUT', `/v1/session/destroy/${id}`)
  if (how === 'critical check') t.server?.checks.setStatus(check, 'critical')
  // 'ttl': the server expires it on its own.
}

const cases: [Kill, Behavior][] = (['destroy', 'ttl', 'critical check'] as const).flatMap((how) =>
  (['release', 'delete'] as const).map((behavior): [Kill, Behavior] => [how, behavior]),
)

describe('session invalidation wakes watchers (semaphore layout)', () => {
  it.skipIf(againstRealConsul).each(cases)(
    '%s with behavior %s wakes the contender key and prefix watchers and sets a lock-delay',
    async (how, behavior) => {
      const prefix = uniquePrefix('inval')
      const check = `check-${prefix.slice(-8)}`
      t.server?.checks.register(check)
      const id = await createSession(t, {
        Behavior: behavior,
        LockDelay: '50ms',
        NodeChecks: ['serfHealth', check],
        ...(how === 'ttl' ? { TTL: `${t.minTTLms}ms` } : {}),
      })
      const contender = `${prefix}/${id}`
      const acquired = await raw(t, 'PUT', `/v1/kv/${contender}?acquire=${id}`, { body: 'c' })
      expect(acquired.json()).toBe(true)
      await raw(t, 'PUT', `/v1/kv/${prefix}/.lock?cas=0`, { body: `{"Limit":2,"Holders":{"${id}":true}}` })
      const keyRead = await raw(t, 'GET', `/v1/kv/${contender}`)
      const prefixRead = await raw(t, 'GET', `/v1/kv/${prefix}/?recurse`)

      const keyWatch = raw(t, 'GET', `/v1/kv/${contender}?index=${keyRead.index}&wait=5s`)
      const prefixWatch = raw(t, 'GET', `/v1/kv/${prefix}/?recurse&index=${prefixRead.index}&wait=5s`)
      const sessionWatch = raw(t, 'GET', `/v1/session/info/${id}?index=${keyRead.index}&wait=5s`)
      while ((t.server?.stats().watchers ?? 0) < 3) await new Promise((resolve) => setImmediate(resolve))
      const started = performance.now()
      await kill(how, id, check)

      const [key, list, session] = await Promise.all([keyWatch, prefixWatch, sessionWatch])
      // Woken by the invalidation, not by the 5 s timeout.
      expect(performance.now() - started).toBeLessThan(2000)
      expect(session.json()).toEqual([])
      expect(key.index).toBe(session.index)
      expect(list.index).toBe(session.index)
      if (behavior === 'delete') {
        expect(key.status).toBe(404)
        expect(list.json<KvPairJson[]>().map((pair) => pair.Key)).toEqual([`${prefix}/.lock`])
      } else {
        expect(key.json<KvPairJson[]>()[0]).toMatchObject({ LockIndex: 1, ModifyIndex: session.index })
        expect(key.json<KvPairJson[]>()[0]?.Session).toBeUndefined()
        expect(list.json<KvPairJson[]>().every((pair) => pair.Session === undefined)).toBe(true)
      }

      // The key the session held is under lock-delay for any other session, then free again.
      const other = await createSession(t, { LockDelay: '0s' })
      expect((await raw(t, 'PUT', `/v1/kv/${contender}?acquire=${other}`)).json()).toBe(false)
      let retaken = false
      while (!retaken) {
        await new Promise((resolve) => setImmediate(resolve))
        retaken = (await raw(t, 'PUT', `/v1/kv/${contender}?acquire=${other}`)).json() === true
      }
      const after = (await raw(t, 'GET', `/v1/kv/${contender}`)).json<KvPairJson[]>()[0]
      expect(after?.LockIndex).toBe(behavior === 'delete' ? 1 : 2)
      await raw(t, 'PUT', `/v1/session/destroy/${other}`)
      t.server?.checks.deregister(check)
    },
  )
})
