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
})
