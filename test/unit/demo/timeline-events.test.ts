import { describe, expect, it } from 'vitest'
import { parseChildLine } from '../../../src/demo/child-protocol.js'
import { EventLog } from '../../../src/demo/events.js'
import { narrate } from '../../../src/demo/narrate.js'
import { createTimeline, formatMs } from '../../../src/demo/timeline.js'

describe('the demo timeline', () => {
  it('prints aligned lines stamped with the time since the start', () => {
    let now = 1000
    let text = ''
    const timeline = createTimeline(
      (chunk) => {
        text += chunk
      },
      () => now,
    )
    now = 1412
    timeline.line('worker-2', 'leads (session 3f2a…)')
    now = 13_500
    timeline.line('demo', 'failover')
    expect(text).toBe('  +0.412s  worker-2  leads (session 3f2a…)\n +12.500s  demo      failover\n')
  })

  it('formats durations in ms below a second and in seconds above', () => {
    expect(formatMs(37.4)).toBe('37 ms')
    expect(formatMs(2913)).toBe('2.91 s')
  })
})

describe('the demo event log', () => {
  const log = (timeoutMs = 1000, signal = new AbortController().signal) => {
    const printed: string[] = []
    const events = new EventLog(
      () => 0,
      timeoutMs,
      signal,
      (event) => printed.push(narrate(event).join(' ')),
    )
    return { events, printed }
  }

  it('resolves a wait with the first matching event logged since the mark, and prints every event', async () => {
    const { events, printed } = log()
    events.push({ type: 'leader', worker: 'worker-1', session: 'aaaaaaaa-1' })
    const mark = events.mark()
    const next = events.waitFor('leader', (event) => event.worker !== null, { since: mark, what: 'a leader' })
    events.push({ type: 'leader', worker: null, session: null })
    events.push({ type: 'leader', worker: 'worker-2', session: 'bbbbbbbb-2' })
    expect((await next).worker).toBe('worker-2')
    expect(printed).toEqual([
      'worker-1 leads (session aaaaaaaa…)',
      'consul nobody holds the lock',
      'worker-2 leads (session bbbbbbbb…)',
    ])
  })

  it('rejects a wait that times out, naming what it waited for', async () => {
    const { events } = log(10)
    await expect(
      events.waitFor('exited', () => true, { since: 0, what: 'worker-1 to exit' }),
    ).rejects.toThrow('timed out after 10 ms waiting for worker-1 to exit')
  })

  it('rejects every wait with the reason when interrupted', async () => {
    const interruption = new AbortController()
    const { events } = log(1000, interruption.signal)
    const waiting = events.waitFor('exited', () => true, { since: 0, what: 'an exit' })
    interruption.abort(new Error('interrupted by SIGINT'))
    await expect(waiting).rejects.toThrow('interrupted by SIGINT')
  })
})

describe('the lines a worker’s child prints', () => {
  it('are recognised with the pid and CONSUL_LOCK_HELD, and other lines are not', () => {
    expect(parseChildLine('[demo-child] worker-1 working pid=42 CONSUL_LOCK_HELD=true')).toEqual({
      kind: 'working',
      pid: 42,
      lockHeld: 'true',
    })
    expect(parseChildLine('[demo-child] worker-1 stopping (SIGTERM)')).toEqual({ kind: 'stopping' })
    expect(
      parseChildLine('consul-lock: Shutdown triggered or timeout during lock acquisition'),
    ).toBeUndefined()
  })
})
