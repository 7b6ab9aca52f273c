/**
 * The simulated time of the lock harness: `advanceClock` must fire each timer at its own
 * deadline, or every timing assertion of the machine tests would be meaningless.
 */
import { describe, expect, it } from 'vitest'
import { advanceClock, RecordingClock } from '../../support/lock-harness.js'

describe('lock harness: RecordingClock and advanceClock', () => {
  it('a timer started by a timer fires at its own deadline, not at the end of the jump', async () => {
    const clock = new RecordingClock()
    const fired: Array<[string, number]> = []
    clock.setTimeout(() => {
      fired.push(['first', clock.now()])
      clock.setTimeout(() => fired.push(['second', clock.now()]), 50)
    }, 100)
    await advanceClock(clock, 1_000)
    expect(fired).toEqual([
      ['first', 100],
      ['second', 150],
    ])
    expect(clock.now()).toBe(1_000)
    expect(clock.nextDeadline()).toBeUndefined()
  })

  it('fires nothing before its deadline, and ends the jump at the requested time', async () => {
    const clock = new RecordingClock()
    const fired: number[] = []
    clock.setTimeout(() => fired.push(clock.now()), 300)
    await advanceClock(clock, 299)
    expect(fired).toEqual([])
    expect(clock.nextDeadline()).toBe(300)
    await advanceClock(clock, 1)
    expect(fired).toEqual([300])
    expect(clock.now()).toBe(300)
  })

  it('forgets a cleared timer and never fires it', async () => {
    const clock = new RecordingClock()
    const fired: string[] = []
    const cleared = clock.setTimeout(() => fired.push('cleared'), 100)
    clock.setTimeout(() => fired.push('kept'), 200)
    clock.clearTimeout(cleared)
    expect(clock.nextDeadline()).toBe(200)
    await advanceClock(clock, 500)
    expect(fired).toEqual(['kept'])
    expect(clock.nextDeadline()).toBeUndefined()
  })
})
