import { describe, expect, it } from 'vitest'
import { goPathJoin, trimPrefixArgument } from '../../../src/cli/prefix.js'

describe('the <prefix> argument, as consul lock reads it', () => {
  it('trims one leading slash (strings.TrimPrefix), no more', () => {
    expect(trimPrefixArgument('/dev')).toBe('dev')
    expect(trimPrefixArgument('service/job')).toBe('service/job')
    expect(trimPrefixArgument('//a')).toBe('/a')
  })

  it("makes keys under it as Go's path.Join does: cleaned, no trailing slash", () => {
    expect(goPathJoin('service/job', '.lock')).toBe('service/job/.lock')
    expect(goPathJoin('service/job/', '.lock')).toBe('service/job/.lock')
    expect(goPathJoin('a//b/', '')).toBe('a/b')
    expect(goPathJoin('a/./b/../c')).toBe('a/c')
    expect(goPathJoin('', '.lock')).toBe('.lock')
    expect(goPathJoin('')).toBe('')
    expect(goPathJoin('/')).toBe('/')
  })
})
