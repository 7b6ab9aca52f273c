import { describe, expect, it } from 'vitest'
import { createMachine } from 'xstate'
import { lockMachine } from '../../../machines/index.js'
import { toDot } from '../../../src/inspect/dot.js'
import { toMermaid } from '../../../src/inspect/mermaid.js'

const door = createMachine({
  id: 'door',
  initial: 'closed',
  states: {
    closed: { on: { OPEN: 'open', 'door.lock': 'locked' } },
    locked: { on: { UNLOCK: { target: 'closed', guard: 'hasKey' } } },
    open: {
      type: 'parallel',
      on: { CLOSE: 'closed' },
      states: {
        light: { initial: 'on', states: { on: { after: { 500: 'off' } }, off: {} } },
        alarm: {
          initial: 'quiet',
          states: { quiet: { on: { TIMEOUT: 'ringing' } }, ringing: { type: 'final' } },
        },
      },
    },
  },
})

describe('toMermaid', () => {
  it('draws states, composite and parallel states, initial and final states, and labelled transitions', () => {
    expect(toMermaid(door)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> door_closed',
        '  state "closed" as door_closed',
        '  state "locked" as door_locked',
        '  state "open" as door_open',
        '  state door_open {',
        '    state "light" as door_open_light',
        '    state door_open_light {',
        '      [*] --> door_open_light_on',
        '      state "on" as door_open_light_on',
        '      state "off" as door_open_light_off',
        '    }',
        '    --',
        '    state "alarm" as door_open_alarm',
        '    state door_open_alarm {',
        '      [*] --> door_open_alarm_quiet',
        '      state "quiet" as door_open_alarm_quiet',
        '      state "ringing" as door_open_alarm_ringing',
        '      door_open_alarm_ringing --> [*]',
        '    }',
        '  }',
        '  door_closed --> door_open : OPEN',
        '  door_closed --> door_locked : door.lock',
        '  door_locked --> door_closed : UNLOCK',
        '  door_open --> door_closed : CLOSE',
        '  door_open_light_on --> door_open_light_off : after 500ms',
        '  door_open_alarm_quiet --> door_open_alarm_ringing : TIMEOUT',
        '',
      ].join('\n'),
    )
  })

  it('names guards when asked', () => {
    expect(toMermaid(door, { guards: true })).toContain('  door_locked --> door_closed : UNLOCK [hasKey]\n')
  })

  it('draws the lock machine: one edge per source and target, labels merged, the same text every time', () => {
    const text = toMermaid(lockMachine)
    expect(text).toBe(toMermaid(lockMachine))
    expect(text.startsWith('stateDiagram-v2\n  [*] --> lock_idle\n')).toBe(true)
    expect(text).toContain('  lock_idle --> lock_creatingSession : ACQUIRE\n')
    expect(text).toContain('  lock_session_lock_held --> lock_releasing : RELEASE, CANCEL\n')
    expect(text).toContain(
      '  lock_session_renewing_keepingAlive_scheduled --> lock_session_renewing_keepingAlive_renewingSession : after renewInterval\n',
    )
    expect(text).toContain(
      '  lock_session_lock_held_lease_assessing --> lock_session_lock_held_lease_sound : always\n',
    )
    expect(text).toContain('  lock_releasing --> lock_idle : done\n')
    // The two regions of `held`, separated.
    expect(text).toMatch(
      /state lock_session_lock_held \{\n[\s\S]*\n {8}--\n {8}state "lease" as lock_session_lock_held_lease\n/,
    )
    const edges = text.split('\n').filter((line) => line.includes(' --> ') && !line.includes('[*]'))
    const pairs = edges.map((line) => line.split(' : ')[0])
    expect(new Set(pairs).size).toBe(pairs.length)
  })
})

describe('toDot', () => {
  it('draws clusters for compound states, dashed for parallel ones, and clips edges at cluster borders', () => {
    const dot = toDot(door)
    expect(dot.startsWith('digraph "door" {\n  compound=true\n')).toBe(true)
    expect(dot).toContain('  subgraph cluster_door_open {\n    label="open"; style="rounded,dashed"\n')
    expect(dot).toContain('      door_open_alarm_ringing [label="ringing", peripheries=2]\n')
    expect(dot).toContain('  door [shape=point, width=0.1]\n')
    expect(dot).toContain('  door -> door_closed\n')
    expect(dot).toContain('  door_open -> door_closed [label="CLOSE", ltail=cluster_door_open]\n')
    expect(dot).toContain('  door_closed -> door_open [label="OPEN", lhead=cluster_door_open]\n')
    expect(dot.endsWith('}\n')).toBe(true)
    expect(toDot(lockMachine)).toBe(toDot(lockMachine))
  })
})
