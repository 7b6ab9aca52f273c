import { describe, expect, it } from 'vitest'
import { lockMachine, semaphoreMachine } from '../../../machines/index.js'
import {
  activeIdsOf,
  activeLeaves,
  describeMachine,
  eventLabel,
  stateIndex,
} from '../../../src/inspect/definition.js'
import type { StateNodeView } from '../../../src/inspect/types.js'

const lock = describeMachine(lockMachine)
const node = (id: string) => {
  const found = stateIndex(lock).get(id)
  if (found === undefined) throw new Error(`no state ${id}`)
  return found
}
const keys = (view: StateNodeView) => view.states.map((state) => state.key)

describe('describeMachine(lockMachine)', () => {
  it('has the states of the chart, in definition order', () => {
    expect(lock).toMatchObject({ id: 'lock', key: 'lock', type: 'compound', initial: 'idle' })
    expect(keys(lock)).toEqual([
      'idle',
      'creatingSession',
      'session',
      'releasing',
      'abandoning',
      'destroying',
    ])
    expect(keys(node('lock.session.lock.pending'))).toEqual(['waiting', 'acquiring', 'backoff'])
    expect(node('lock.releasing.done').type).toBe('final')
  })

  it('has the parallel regions: session (renewing ∥ lock) and held (monitoring ∥ lease)', () => {
    expect(node('lock.session')).toMatchObject({
      type: 'parallel',
      states: [{ key: 'renewing' }, { key: 'lock' }],
    })
    expect(node('lock.session').initial).toBeUndefined()
    expect(node('lock.session.lock.held')).toMatchObject({
      type: 'parallel',
      tags: ['held'],
      states: [{ key: 'monitoring' }, { key: 'lease' }],
    })
  })

  it('has tags and invoked actors', () => {
    expect(node('lock.idle').tags).toEqual(['idle'])
    expect(node('lock.session.lock.pending.waiting')).toMatchObject({
      tags: ['pending'],
      invokes: ['readKey'],
    })
    expect(node('lock.creatingSession').invokes).toEqual(['createSession'])
  })

  it('labels transitions by their events, with targets and guards', () => {
    expect(node('lock.idle').transitions).toEqual([
      { event: 'ACQUIRE', label: 'ACQUIRE', targets: [], guard: 'hasInvalidWait' },
      {
        event: 'ACQUIRE',
        label: 'ACQUIRE',
        targets: ['lock.session.renewing.unmanaged'],
        guard: 'usesCallerSession',
      },
      { event: 'ACQUIRE', label: 'ACQUIRE', targets: ['lock.creatingSession'] },
      { event: 'DESTROY', label: 'DESTROY', targets: ['lock.destroying'] },
    ])
    const scheduled = node('lock.session.renewing.keepingAlive.scheduled').transitions
    expect(scheduled).toEqual([
      {
        event: 'xstate.after.renewInterval.lock.session.renewing.keepingAlive.scheduled',
        label: 'after renewInterval',
        targets: ['lock.session.renewing.keepingAlive.renewingSession'],
      },
    ])
    const waiting = node('lock.session.lock.pending.waiting').transitions
    expect(waiting[0]).toEqual({
      event: 'xstate.done.actor.readKey',
      label: 'done: readKey',
      targets: ['lock.abandoning.destroyingSession'],
      guard: 'and(hasConflictingFlags, ownsSession)',
    })
    expect(waiting.at(-1)).toEqual({
      event: 'xstate.error.actor.readKey',
      label: 'error: readKey',
      targets: ['lock.idle'],
    })
    expect(node('lock.session.lock.held.monitoring.watching').transitions[2]?.guard).toBe('not(isLocked)')
    expect(node('lock.session.lock.held.lease.assessing').transitions).toEqual([
      {
        event: '',
        label: 'always',
        targets: ['lock.session.lock.held.lease.suspect'],
        guard: 'renewalFailing',
      },
      { event: '', label: 'always', targets: ['lock.session.lock.held.lease.sound'] },
    ])
    expect(node('lock.releasing').transitions.at(-1)).toMatchObject({ label: 'done', targets: ['lock.idle'] })
  })

  it('is the same for the same machine, and JSON', () => {
    expect(describeMachine(lockMachine)).toBe(lock)
    expect(JSON.parse(JSON.stringify(lock))).toEqual(lock)
    expect(describeMachine(semaphoreMachine).id).toBe('semaphore')
  })
})

describe('eventLabel', () => {
  it.each([
    ['xstate.after.renewInterval.lock.session.renewing.keepingAlive.scheduled', 'after renewInterval'],
    ['xstate.after.1500.door.open', 'after 1500ms'],
    ['xstate.done.actor.readKey', 'done: readKey'],
    ['xstate.error.actor.readKey', 'error: readKey'],
    ['xstate.done.state.lock.releasing', 'done'],
    ['', 'always'],
    ['ACQUIRE', 'ACQUIRE'],
    ['lock.acquired', 'lock.acquired'],
  ])('%j → %j', (type, label) => {
    expect(eventLabel(type)).toBe(label)
  })
})

describe('activeIdsOf and activeLeaves', () => {
  it('finds the active state nodes of a value, and their leaves', () => {
    const value = {
      session: {
        renewing: { keepingAlive: 'scheduled' },
        lock: { held: { monitoring: 'watching', lease: 'sound' } },
      },
    }
    const ids = activeIdsOf(lock, value)
    expect(ids).toEqual([
      'lock',
      'lock.session',
      'lock.session.renewing',
      'lock.session.renewing.keepingAlive',
      'lock.session.renewing.keepingAlive.scheduled',
      'lock.session.lock',
      'lock.session.lock.held',
      'lock.session.lock.held.monitoring',
      'lock.session.lock.held.monitoring.watching',
      'lock.session.lock.held.lease',
      'lock.session.lock.held.lease.sound',
    ])
    expect(activeLeaves(lock, ids)).toEqual([
      'lock.session.renewing.keepingAlive.scheduled',
      'lock.session.lock.held.monitoring.watching',
      'lock.session.lock.held.lease.sound',
    ])
    expect(activeIdsOf(lock, 'idle')).toEqual(['lock', 'lock.idle'])
    expect(activeIdsOf(lock, { nowhere: 'x' })).toEqual(['lock'])
  })
})
