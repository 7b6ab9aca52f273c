/**
 * `npm run docs:statechart`: writes README's statechart diagrams, generated from the real
 * machines with `toMermaid`, between their markers (`<!-- statechart:lock:start -->` …
 * `<!-- statechart:lock:end -->`). test/unit/inspect/mermaid-readme.test.ts fails when they
 * are stale.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { lockMachine, semaphoreMachine } from '../machines/index.js'
import type { MachineLike } from '../src/inspect/definition.js'
import { toMermaid } from '../src/inspect/mermaid.js'

/** The diagrams README shows: the marker name, the machine, and its name in the summary line. */
export const STATECHARTS: ReadonlyArray<{ name: string; machine: MachineLike; source: string }> = [
  { name: 'lock', machine: lockMachine, source: 'lockMachine' },
  { name: 'semaphore', machine: semaphoreMachine, source: 'semaphoreMachine' },
]

/** What goes between the markers of one diagram: a folded Mermaid block. */
export function statechartBlock(machine: MachineLike, source: string): string {
  return [
    '<details>',
    `<summary>The whole statechart, generated from <code>${source}</code> (<code>npm run docs:statechart</code>)</summary>`,
    '',
    '```mermaid',
    toMermaid(machine).trimEnd(),
    '```',
    '',
    '</details>',
  ].join('\n')
}

/** `readme` with every diagram regenerated between its markers; throws when markers are missing. */
export function withStatecharts(readme: string): string {
  let text = readme
  for (const { name, machine, source } of STATECHARTS) {
    const start = `<!-- statechart:${name}:start -->`
    const end = `<!-- statechart:${name}:end -->`
    const from = text.indexOf(start)
    const to = text.indexOf(end, from)
    if (from === -1 || to === -1) throw new Error(`README.md has no ${start} … ${end} markers`)
    text = `${text.slice(0, from + start.length)}\n${statechartBlock(machine, source)}\n${text.slice(to)}`
  }
  return text
}

// Run (bundled by the npm script, from the package root), not imported by the test.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const README = resolve('README.md')
  const readme = readFileSync(README, 'utf8')
  const updated = withStatecharts(readme)
  if (updated === readme) {
    process.stdout.write('README.md: the statecharts are up to date\n')
  } else {
    writeFileSync(README, updated)
    process.stdout.write(`README.md: regenerated ${STATECHARTS.map((chart) => chart.name).join(' and ')}\n`)
  }
}
