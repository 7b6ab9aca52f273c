import { describe, expect, it } from 'vitest'
import { trimPrefixArgument } from '../../../src/cli/prefix.js'

describe('the <prefix> argument, as consul lock reads it', () => {
  it('trims one leading slash (strings.TrimPrefix), no more', () => {
    expect(trimPrefixArgument('/dev')).toBe('dev')
    expect(trimPrefixArgument('service/job')).toBe('service/job')
    expect(trimPrefixArgument('//a')).toBe('/a')
  })
})
