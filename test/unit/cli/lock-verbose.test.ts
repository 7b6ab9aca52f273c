import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { assign, createActor, emit, setup } from 'xstate'
import { createOutput, verboseLine } from '../../../src/cli/lock/output.js'
import { leafPaths, phaseOf, printTransitions } from '../../../src/cli/lock/verbose.js'

/** A stand-in for the lock machine: its tags, in the places the lock puts them. */
const tagged = setup({
  types: {
    events: {} as { type: 'NEXT' } | { type: 'SUSPECT' } | { type: 'FAIL' },
    emitted: {} as
      | { type: 'lock.suspect'; cause: 'monitor-failed'; error: Error }
      | { type: 'lock.error'; error: Error },
  },
}).createMachine({
  initial: 'idle',
  states: {
    idle: { tags: 'idle', on: { NEXT: 'waiting' } },
    waiting: { tags: 'pending', on: { NEXT: 'acquiring' } },
    // An untagged state between tagged ones: its line has no phase.
    acquiring: { on: { NEXT: 'held' } },
    held: {
      tags: 'held',
      on: {
        SUSPECT: {
          target: 'suspect',
          actions: emit({
            type: 'lock.suspect',
            cause: 'monitor-failed',
            error: new Error('No cluster leader'),
          }),
        },
        NEXT: 'releasing',
      },
    },
    suspect: { tags: ['held', 'suspect'], on: { NEXT: 'held' } },
    releasing: {
      tags: 'releasing',
      on: {
        FAIL: { actions: emit({ type: 'lock.error', error: new Error('release failed') }) },
        NEXT: 'idle',
      },
    },
  },
})

function capture() {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (chunk) => {
    out += chunk
  })
  stderr.on('data', (chunk) => {
    err += chunk
  })
  return { streams: { stdout, stderr }, out: () => out, err: () => err }
}

describe('-verbose output', () => {
  it('puts an ISO timestamp and the command name before each line', () => {
    expect(verboseLine('pending → held', new Date(Date.UTC(2026, 10, 26, 9, 30, 0, 123)))).toBe(
      '2026-11-26T09:30:00.123Z consul-lock: pending → held\n',
    )
  })

  it('prints progress only when verbose, and errors always, on stderr with the command name', () => {
    const quiet = capture()
    createOutput(false, quiet.streams).info('hidden')
    createOutput(false, quiet.streams).error('Lock release failed: boom')
    expect(quiet.out()).toBe('')
    expect(quiet.err()).toBe('consul-lock: Lock release failed: boom\n')
  })

  it('reads the phase from the tags, suspect before held', () => {
    const has = (...tags: string[]) => ({ hasTag: (tag: string) => tags.includes(tag) })
    expect(phaseOf(has('held', 'suspect'))).toBe('suspect')
    expect(phaseOf(has('pending'))).toBe('pending')
    expect(phaseOf(has())).toBeUndefined()
  })

  it('names the active leaf states by their paths, one per parallel region', () => {
    expect(leafPaths('idle')).toEqual(['idle'])
    expect(
      leafPaths({ session: { renewing: { keepingAlive: 'scheduled' }, lock: { held: { lease: 'sound' } } } }),
    ).toEqual(['session.renewing.keepingAlive.scheduled', 'session.lock.held.lease.sound'])
  })

  it('prints only the leaves that changed in a parallel machine, and nothing when only the context did', () => {
    const parallel = setup({ types: { events: {} as { type: 'WAIT' } | { type: 'TOUCH' } } }).createMachine({
      context: { touched: 0 },
      type: 'parallel',
      states: {
        renewing: { initial: 'scheduled', states: { scheduled: {} } },
        lock: {
          initial: 'waiting',
          states: {
            waiting: { tags: 'pending', on: { WAIT: 'acquiring' } },
            acquiring: { tags: 'pending', initial: 'inFlight', states: { inFlight: {} } },
          },
        },
      },
      on: { TOUCH: { actions: assign({ touched: ({ context }) => context.touched + 1 }) } },
    })
    const seen = capture()
    const actor = createActor(parallel).start()
    const stop = printTransitions(actor, createOutput(true, seen.streams))
    actor.send({ type: 'TOUCH' })
    actor.send({ type: 'WAIT' })
    stop()
    expect(seen.out().replace(/^\S+ consul-lock: /gm, '')).toBe(
      'lock.waiting → lock.acquiring.inFlight [pending]\n',
    )
  })

  it('prints each state change once, with its phase, and the suspect and error notifications', () => {
    const seen = capture()
    const actor = createActor(tagged).start()
    const stop = printTransitions(actor, createOutput(true, seen.streams))
    for (const type of ['NEXT', 'NEXT', 'NEXT', 'SUSPECT', 'NEXT', 'NEXT', 'FAIL', 'NEXT'] as const) {
      actor.send({ type })
    }
    stop()
    actor.send({ type: 'NEXT' })

    expect(seen.out().replace(/^\S+ consul-lock: /gm, '')).toBe(
      [
        'idle → waiting [pending]',
        // An untagged state: no phase.
        'waiting → acquiring',
        'acquiring → held [held]',
        // A notification is emitted during the transition, before the new snapshot is out.
        'suspect (monitor-failed): No cluster leader',
        'held → suspect [suspect]',
        'suspect → held [held]',
        'held → releasing [releasing]',
        'error: release failed',
        'releasing → idle [idle]',
        '',
      ].join('\n'),
    )
  })
})
