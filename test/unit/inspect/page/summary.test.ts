import { describe, expect, test } from 'vitest'
import { lockMachine } from '../../../../machines/lock.machine.js'
import { semaphoreMachine } from '../../../../machines/semaphore.machine.js'
import { describeMachine } from '../../../../src/inspect/definition.js'
import { summaryLib } from '../../../../src/inspect/page/summary.js'
import type { ActorView } from '../../../../src/inspect/types.js'

const { summarize, phaseOf, factsOf, formatDuration, tellingLeaves } = summaryLib()

/** Every id on the way to each leaf: `lock.session.lock.pending.waiting` → `lock`, `lock.session`, …. */
function withAncestors(...leaves: string[]): string[] {
  const ids = new Set<string>()
  for (const leaf of leaves) {
    const parts = leaf.split('.')
    for (let i = 1; i <= parts.length; i++) ids.add(parts.slice(0, i).join('.'))
  }
  return [...ids]
}

function lockView(leaves: string[], tags: string[], context: object = {}): ActorView {
  return {
    id: 'x:0',
    name: 'x:0',
    machineId: 'lock',
    definition: describeMachine(lockMachine),
    status: 'active',
    activeStateIds: withAncestors(...leaves),
    value: {},
    tags,
    context: {
      settings: { key: 'service/leader' },
      session: 'abc',
      waitIndex: '0',
      monitorIndex: '0',
      ...context,
    },
    updatedAt: 0,
  }
}

const RENEWING = 'lock.session.renewing.keepingAlive.scheduled'

describe('the summary line', () => {
  test('says what a waiting lock blocks on, and for how long', () => {
    const actor = lockView([RENEWING, 'lock.session.lock.pending.waiting'], ['pending'], { waitIndex: '42' })
    expect(summarize(actor, 1_000, 13_500)).toBe(
      'lock service/leader — pending: waiting (blocking read on index 42) for 12 s',
    )
  })

  test('names the actor of this process that holds what a lock waits for', () => {
    const waiter = lockView([RENEWING, 'lock.session.lock.pending.waiting'], ['pending'], { waitIndex: '42' })
    const holder = {
      ...lockView([RENEWING, 'lock.session.lock.held.monitoring.watching'], ['held']),
      id: 'x:1',
      name: 'x:1',
    }
    const elsewhere = { ...holder, id: 'x:2', name: 'x:2', context: { settings: { key: 'other' } } }
    expect(summarize(waiter, 0, 2_000, [waiter, holder, elsewhere])).toBe(
      'lock service/leader — pending: waiting (blocking read on index 42) for 2 s; held here by x:1',
    )
  })

  test('leaves out the regions that only say all is well', () => {
    const actor = lockView(
      [RENEWING, 'lock.session.lock.held.monitoring.watching', 'lock.session.lock.held.lease.sound'],
      ['held'],
      { monitorIndex: '57' },
    )
    expect(summarize(actor, 0, 3_200)).toBe(
      'lock service/leader — held: watching (blocking read on index 57) for 3 s',
    )
  })

  test('puts suspect first, and names what is failing', () => {
    const actor = lockView(
      [
        'lock.session.renewing.keepingAlive.retrying',
        'lock.session.lock.held.monitoring.watching',
        'lock.session.lock.held.lease.suspect',
      ],
      ['held', 'suspect'],
      { monitorIndex: '57' },
    )
    expect(phaseOf(actor)).toBe('suspect')
    expect(summarize(actor, 0, 65_000)).toBe(
      'lock service/leader — suspect: retrying (renew failed, retrying), watching (blocking read on index 57), ' +
        'suspect (renewals failing) for 1 min 5 s',
    )
  })

  test('says idle and a stopped actor plainly', () => {
    const idle = lockView(['lock.idle'], ['idle'])
    expect(summarize(idle, 0, 5_000)).toBe('lock service/leader — idle for 5 s')
    expect(summarize({ ...idle, status: 'stopped' }, 0, 5_000)).toBe('lock service/leader — stopped')
  })

  test('names a semaphore by its prefix and its list read', () => {
    const actor: ActorView = {
      ...lockView([], ['pending'], { waitIndex: '9' }),
      machineId: 'semaphore',
      definition: describeMachine(semaphoreMachine),
      activeStateIds: withAncestors('semaphore.session.semaphore.pending.waiting'),
      context: { settings: { prefix: 'service/workers', limit: 2 }, waitIndex: '9' },
    }
    expect(summarize(actor, 0, 800)).toBe(
      'semaphore service/workers — pending: waiting (blocking list on index 9) for 800 ms',
    )
  })

  test('names a request in flight by what it does', () => {
    const actor = lockView([RENEWING, 'lock.session.lock.pending.acquiring.inFlight'], ['pending'])
    expect(summarize(actor, 0, 0)).toBe(
      'lock service/leader — pending: inFlight (acquire write in flight) for 0 ms',
    )
  })

  test('falls back to the state names for a machine it knows nothing of', () => {
    const actor: ActorView = {
      id: 'x:1',
      name: 'worker',
      machineId: 'job',
      status: 'active',
      activeStateIds: ['job', 'job.running', 'job.running.fetching'],
      value: {},
      tags: [],
      context: {},
      updatedAt: 0,
    }
    expect(summarize(actor, 0, 2_000)).toBe('job worker — active: fetching for 2 s')
    expect(tellingLeaves(actor.activeStateIds)).toEqual(['job.running.fetching'])
  })
})

describe('durations', () => {
  test.each([
    [0, '0 ms'],
    [999, '999 ms'],
    [12_400, '12 s'],
    [252_000, '4 min 12 s'],
    [7_500_000, '2 h 5 min'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('the key facts of a context', () => {
  test('lists the session, the indexes, the lease and the last error', () => {
    const actor = lockView(['lock.idle'], ['idle'], {
      waitIndex: '4',
      monitorIndex: '7',
      ownsSession: true,
      lease: { lockIndex: '1', modifyIndex: '7' },
      renewError: { name: 'ConsulError', message: 'Unexpected response code: 500' },
    })
    expect(factsOf(actor)).toEqual([
      { label: 'key', value: 'service/leader', error: false },
      { label: 'session', value: 'abc', error: false },
      { label: 'session owner', value: 'this lock' },
      { label: 'wait index', value: '4', error: false },
      { label: 'monitor index', value: '7', error: false },
      { label: 'lock index', value: '1', error: false },
      { label: 'modify index', value: '7', error: false },
      { label: 'last error', value: 'Unexpected response code: 500', error: true },
    ])
  })
})
