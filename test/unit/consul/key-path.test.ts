import { describe, expect, it } from 'vitest'
import { goPathJoin } from '../../../src/consul/key-path.js'

describe('goPathJoin', () => {
  it("makes keys as Go's path.Join does: cleaned, no trailing slash", () => {
    expect(goPathJoin('service/job', '.lock')).toBe('service/job/.lock')
    expect(goPathJoin('service/job/', '.lock')).toBe('service/job/.lock')
    expect(goPathJoin('a//b/', '')).toBe('a/b')
    expect(goPathJoin('a/./b/../c')).toBe('a/c')
    expect(goPathJoin('', '.lock')).toBe('.lock')
    expect(goPathJoin('')).toBe('')
    expect(goPathJoin('/')).toBe('/')
  })
})
