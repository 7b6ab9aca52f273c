import { describe, expect, it, vi } from 'vitest'
import { Timers } from '../../../src/devserver/timers.js'

describe('dev server timers', () => {
  it('clearAll cancels every pending timer and refuses new ones, so nothing outlives close()', async () => {
    vi.useFakeTimers()
    try {
      const timers = new Timers()
      const fired: string[] = []
      timers.set(() => fired.push('before close'), 100)
      timers.repeat(() => fired.push('reaper'), 50)
      timers.clearAll()
      // A request still in flight during close() schedules a TTL timer.
      timers.set(() => fired.push('after close'), 100)
      timers.repeat(() => fired.push('after close, repeating'), 50)
      await vi.advanceTimersByTimeAsync(1_000)
      expect(fired).toEqual([])
      expect(timers.size).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})
