import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { watchShutdownSignals } from '../../../src/cli/lock/signals.js'

describe('shutdown signals', () => {
  it('abort at the first SIGINT or SIGTERM, report every one with its count, and stop listening', () => {
    const target = new EventEmitter()
    const seen: string[] = []
    const watch = watchShutdownSignals(
      (signal, count) => seen.push(`${signal} ${count}`),
      target as unknown as NodeJS.Process,
    )
    expect(watch.signal.aborted).toBe(false)
    target.emit('SIGTERM', 'SIGTERM')
    expect(watch.signal.reason).toBe('SIGTERM')
    target.emit('SIGINT', 'SIGINT')
    watch.dispose()
    expect(target.listenerCount('SIGINT') + target.listenerCount('SIGTERM')).toBe(0)
    expect(seen).toEqual(['SIGTERM 1', 'SIGINT 2'])
  })

  it("treats SIGHUP and SIGQUIT as shutdown signals too: the child's session is out of the terminal's reach", () => {
    for (const first of ['SIGHUP', 'SIGQUIT'] as const) {
      const target = new EventEmitter()
      const seen: string[] = []
      const watch = watchShutdownSignals(
        (signal, count) => seen.push(`${signal} ${count}`),
        target as unknown as NodeJS.Process,
      )
      target.emit(first, first)
      target.emit('SIGINT', 'SIGINT')
      expect(watch.signal.reason).toBe(first)
      expect(seen).toEqual([`${first} 1`, 'SIGINT 2'])
      watch.dispose()
      expect(target.listenerCount('SIGHUP') + target.listenerCount('SIGQUIT')).toBe(0)
    }
  })
})
