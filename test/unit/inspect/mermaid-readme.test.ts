import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { STATECHARTS, withStatecharts } from '../../../scripts/docs-statechart.js'
import { packageRoot } from '../../support/built-package.js'

describe("README's statechart diagrams", () => {
  it('are what the machines generate now (run `npm run docs:statechart` when this fails)', async () => {
    const readme = await readFile(`${packageRoot}/README.md`, 'utf8')
    expect(withStatecharts(readme)).toBe(readme)
  })

  it('has one marked Mermaid diagram per machine', async () => {
    const readme = await readFile(`${packageRoot}/README.md`, 'utf8')
    for (const { name } of STATECHARTS) {
      const block = readme
        .split(`<!-- statechart:${name}:start -->`)[1]
        ?.split(`<!-- statechart:${name}:end -->`)[0]
      expect(block).toContain('```mermaid\nstateDiagram-v2\n')
    }
  })

  it('regenerates only between the markers, and refuses a README without them', () => {
    const stale = STATECHARTS.map(
      ({ name }) =>
        `before ${name}\n<!-- statechart:${name}:start -->\nold\n<!-- statechart:${name}:end -->\nafter ${name}`,
    ).join('\n')
    const fresh = withStatecharts(stale)
    expect(fresh).not.toContain('\nold\n')
    for (const { name } of STATECHARTS) {
      expect(fresh).toContain(`before ${name}\n<!-- statechart:${name}:start -->\n<details>`)
      expect(fresh).toContain(`</details>\n<!-- statechart:${name}:end -->\nafter ${name}`)
    }
    expect(withStatecharts(fresh)).toBe(fresh)
    expect(() => withStatecharts('no markers')).toThrow(/statechart:lock:start/)
  })
})
