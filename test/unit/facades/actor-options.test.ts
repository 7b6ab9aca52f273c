import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type { InspectionEvent } from 'xstate'
import { Consul } from '../../../src/client.js'
import { InvalidOptionError } from '../../../src/errors.js'
import { splitActorOptions } from '../../../src/machine-facade.js'

/** A client that is never asked anything: no facade here sends a request. */
const consul = new Consul({ env: {}, address: 'http://127.0.0.1:1' })
afterAll(() => consul.close())
const disposables: AsyncDisposable[] = []
afterEach(async () => {
  for (const made of disposables.splice(0)) await made[Symbol.asyncDispose]()
})
const made = <T extends AsyncDisposable>(value: T) => {
  disposables.push(value)
  return value
}

/** An inspection observer keeping the types of the events it sees. */
function recorder() {
  const types: string[] = []
  return { types, inspect: { next: (event: InspectionEvent) => void types.push(event.type) } }
}

describe('inspect and id in the options of lock, semaphore and election', () => {
  it('go to the actor, not to the option checks', () => {
    const seen = recorder()
    const lock = made(consul.lock({ key: 'service/leader', inspect: seen.inspect, id: 'leader-lock' }))
    expect(lock.actor.id).toBe('leader-lock')
    expect(seen.types).toContain('@xstate.actor')
    expect(seen.types).toContain('@xstate.snapshot')
    expect(lock.actor.getSnapshot().context.settings.key).toBe('service/leader')

    const semaphoreSeen = recorder()
    const semaphore = made(
      consul.semaphore({ prefix: 'service/workers', limit: 2, inspect: semaphoreSeen.inspect }),
    )
    expect(semaphoreSeen.types).toContain('@xstate.snapshot')
    expect(semaphore.actor.getSnapshot().hasTag('idle')).toBe(true)

    const electionSeen = recorder()
    const election = made(
      consul.election({ key: 'service/leader', id: 'candidate', inspect: electionSeen.inspect }),
    )
    expect(election.actor.id).toBe('candidate')
    expect(electionSeen.types).toContain('@xstate.snapshot')
  })

  it('still work as the second argument, which wins over the options', () => {
    const first = recorder()
    const second = recorder()
    const lock = made(
      consul.lock({ key: 'k', inspect: first.inspect, id: 'a' }, { inspect: second.inspect, id: 'b' }),
    )
    expect(lock.actor.id).toBe('b')
    expect(first.types).toEqual([])
    expect(second.types.length).toBeGreaterThan(0)
  })

  it('leave the other options checked as before', () => {
    expect(() => consul.lock({ key: 'k', inspect: undefined, bogus: 1 } as never)).toThrow(InvalidOptionError)
    expect(() => consul.lock(null as never)).toThrow(InvalidOptionError)
  })
})

describe('splitActorOptions', () => {
  it('separates inspect and id, drops undefined ones, and lets actorOptions win', () => {
    const inspect = { next: () => {} }
    expect(splitActorOptions({ key: 'k', inspect, id: undefined })).toEqual({
      options: { key: 'k' },
      actorOptions: { inspect },
    })
    expect(splitActorOptions({ key: 'k', id: 'a' }, { id: 'b', inspect: undefined })).toEqual({
      options: { key: 'k' },
      actorOptions: { id: 'b' },
    })
  })
})
