import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { childFailed, describeExit, programOf } from '../../../src/cli/lock/child.js'
import { groupHasLiveMember, processHasExited } from '../../../src/cli/lock/process-group.js'

describe('the child command line', () => {
  it('runs $SHELL -c with the arguments joined by spaces, unquoted (as Go does)', () => {
    expect(programOf({ command: ['echo', 'a b', '$HOME'], shell: true }, { SHELL: '/bin/bash' })).toEqual({
      file: '/bin/bash',
      args: ['-c', 'echo a b $HOME'],
    })
  })

  it('falls back to /bin/sh when SHELL is unset or empty', () => {
    expect(programOf({ command: ['true'], shell: true }, {}).file).toBe('/bin/sh')
    expect(programOf({ command: ['true'], shell: true }, { SHELL: '' }).file).toBe('/bin/sh')
  })

  it('with -shell=false runs the first argument with the others as given', () => {
    expect(programOf({ command: ['node', '-e', 'a b'], shell: false }, {})).toEqual({
      file: 'node',
      args: ['-e', 'a b'],
    })
  })
})

describe("the child's exit", () => {
  it.each([
    { exit: { code: 0, signal: null } as const, failed: false, text: 'exit status 0' },
    { exit: { code: 3, signal: null } as const, failed: true, text: 'exit status 3' },
    { exit: { code: null, signal: 'SIGKILL' } as const, failed: true, text: 'signal: SIGKILL' },
    { exit: { startError: new Error('spawn nope ENOENT') }, failed: true, text: 'spawn nope ENOENT' },
  ])('$text: failed $failed', ({ exit, failed, text }) => {
    expect(childFailed(exit)).toBe(failed)
    expect(describeExit(exit)).toBe(text)
  })
})

describe('process groups', () => {
  it('counts a group as gone once its only member has exited, and a process as exited', async () => {
    const leader = spawn('sleep', ['600'], { detached: true, stdio: 'ignore' })
    const pid = leader.pid as number
    expect(groupHasLiveMember(pid)).toBe(true)
    expect(processHasExited(pid)).toBe(false)
    leader.kill('SIGKILL')
    await once(leader, 'exit')
    expect(groupHasLiveMember(pid)).toBe(false)
    expect(processHasExited(pid)).toBe(true)
  })
})
