import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { ChildGroup } from '../../../src/cli/lock/child.js'
import { watchJobControl } from '../../../src/cli/lock/job-control.js'
import { createOutput } from '../../../src/cli/lock/output.js'

describe('job control (Ctrl-Z, fg)', () => {
  it("on SIGTSTP stops the child's group, then consul-lock itself; on SIGCONT wakes the group", () => {
    const steps: string[] = []
    const target = Object.assign(new EventEmitter(), {
      pid: 4242,
      kill: (pid: number, signal: string) => steps.push(`kill ${pid} ${signal}`),
    })
    const group = { forward: (signal: string) => steps.push(`group ${signal}`) } as unknown as ChildGroup
    const stop = watchJobControl(() => group, createOutput(false), target as unknown as NodeJS.Process)

    target.emit('SIGTSTP', 'SIGTSTP')
    target.emit('SIGCONT', 'SIGCONT')
    stop()
    target.emit('SIGTSTP', 'SIGTSTP')

    expect(steps).toEqual(['group SIGSTOP', 'kill 4242 SIGSTOP', 'group SIGCONT'])
    expect(target.listenerCount('SIGTSTP') + target.listenerCount('SIGCONT')).toBe(0)
  })
})
