import { expect, it } from 'vitest'
import { useClientSuite } from '../../support/client-target.js'

const suite = useClientSuite('lock-smoke')

it('smoke', async () => {
  const a = suite.consul.lock({ key: `${suite.prefix}/l`, value: 'a', sessionTTL: '1s' })
  const b = suite.consul.lock({ key: `${suite.prefix}/l`, value: 'b', sessionTTL: '1s' })
  const lease = await a.acquire()
  console.log(lease, a.actor.getSnapshot().value)
  const pb = b.acquire()
  await new Promise((r) => setTimeout(r, 1500))
  console.log(b.actor.getSnapshot().value)
  await a.release()
  const lb = await pb
  console.log(lb, a.actor.getSnapshot().value)
  expect(lease.lost.aborted).toBe(true)
  await b.release()
  const { value } = await suite.consul.session.list()
  expect(value).toEqual([])
  expect(await b.tryAcquire({ wait: 100 })).not.toBeNull()
  expect(await a.tryAcquire({ wait: 100 })).toBeNull()
  await b.release()
  await a.destroy()
})
