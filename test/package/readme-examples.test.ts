import { execFile } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuildIsFresh, packageRoot } from '../support/built-package.js'

const run = promisify(execFile)
const root = packageRoot
const MARKER = '<!-- runnable example'

/** The ```js blocks README marks as runnable, in order. */
async function runnableExamples(): Promise<string[]> {
  const readme = await readFile(`${root}/README.md`, 'utf8')
  const blocks: string[] = []
  for (const part of readme.split(MARKER).slice(1)) {
    const match = part.match(/```js\n([\s\S]*?)```/)
    if (match?.[1]) blocks.push(match[1])
  }
  return blocks
}

/** What each runnable example prints, in README order: lock, fenced writes, semaphore, election. */
const EXPECTED_OUTPUT: readonly RegExp[] = [
  /^leader with session [0-9a-f-]{36} fencing token \d+n\nlost the lock: released\n42 true\n$/,
  /^v1\nELOCKLOST session-invalidated\ntrue\n$/,
  /^third gets a slot: false\na gave its slot back: released\nc holds a slot with session [0-9a-f-]{36}\nencoded\n$/,
  /^node-a, ready 1n true\nnode-b leads\n$/,
]

describe('README', () => {
  beforeAll(assertBuildIsFresh)
  const written: string[] = []
  afterAll(async () => {
    for (const file of written) await rm(file, { force: true })
  })

  it('has runnable examples, and each runs against the built package and prints what it says', async () => {
    const examples = await runnableExamples()
    expect(examples).toHaveLength(EXPECTED_OUTPUT.length)
    for (const [index, source] of examples.entries()) {
      // Inside the package, so `consul-lock-machine` resolves to the build by self-reference.
      const file = `${root}/dist/readme-example-${index}.mjs`
      written.push(file)
      await writeFile(file, source)
      const { stdout } = await run(process.execPath, [file], { cwd: root, timeout: 15_000 })
      expect(stdout).toMatch(EXPECTED_OUTPUT[index] as RegExp)
    }
  })
})
