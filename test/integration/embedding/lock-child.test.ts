import { afterAll, expect, it } from 'vitest'
import { assign, createActor, sendTo, setup, waitFor } from 'xstate'
import { createLockMachine } from '../../../machines/index.js'
import type { LockNotification } from '../../../machines/lock.types.js'
import { useClientSuite } from '../../support/client-target.js'

const suite = useClientSuite('embedded-lock')

/** The README's example: a service that leads while it holds the lock. */
function serviceMachine(key: string) {
  return setup({
    types: {
      context: {} as { lost: string[] },
      events: {} as LockNotification | { type: 'STEP_DOWN' },
    },
    actors: { lock: createLockMachine(suite.consul) },
  }).createMachine({
    id: 'service',
    context: { lost: [] },
    invoke: { id: 'lock', src: 'lock', input: { key, value: 'service-a', lockDelay: 0 } },
    initial: 'campaigning',
    states: {
      campaigning: {
        entry: sendTo('lock', { type: 'ACQUIRE' }),
        on: { 'lock.acquired': 'leading' },
      },
      leading: {
        on: {
          'lock.lost': {
            target: 'campaigning',
            actions: assign({ lost: ({ context, event }) => [...context.lost, event.reason] }),
          },
          STEP_DOWN: { target: 'stepping down', actions: sendTo('lock', { type: 'RELEASE' }) },
        },
      },
      'stepping down': { on: { 'lock.released': 'done' } },
      done: { type: 'final' },
    },
  })
}

const actors: { stop(): void }[] = []
afterAll(() => {
  for (const actor of actors) actor.stop()
})

it('a parent machine invoking the lock leads, sees the loss, campaigns again and steps down', async () => {
  const key = `${suite.prefix}/leader`
  const service = createActor(serviceMachine(key))
  actors.push(service)
  service.start()
  await waitFor(service, (s) => s.matches('leading'))
  const { value: held } = await suite.consul.kv.get(key)
  expect(held?.value?.toString()).toBe('service-a')

  // Somebody destroys the lock's session: the parent hears lock.lost, then takes the lock anew.
  await suite.consul.session.destroy(held?.session ?? '')
  await waitFor(service, (s) => s.context.lost.length === 1)
  expect(service.getSnapshot().context.lost).toEqual(['session-invalidated'])
  await waitFor(service, (s) => s.matches('leading'))
  const { value: again } = await suite.consul.kv.get(key)
  expect(again?.session).toBeDefined()
  expect(again?.session).not.toBe(held?.session)

  service.send({ type: 'STEP_DOWN' })
  await waitFor(service, (s) => s.status === 'done')
  const { value: released } = await suite.consul.kv.get(key)
  expect(released?.session).toBeUndefined()
  const { value: sessions } = await suite.consul.session.list()
  expect(sessions.map((s) => s.id)).not.toContain(again?.session)
})
