import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { assertBuildIsFresh, packageRoot } from '../support/built-package.js'

const run = promisify(execFile)

/**
 * The page the built package serves, fetched from a built inspector in a plain Node process: the
 * bundler's output, not the sources vitest would transform.
 */
async function builtPage(kind: 'import' | 'require'): Promise<string> {
  const load =
    kind === 'import'
      ? "import('consul-lock-machine/inspect')"
      : "Promise.resolve(require('consul-lock-machine/inspect'))"
  const script = `${load}.then(async ({ createInspector }) => {
    const inspector = await createInspector()
    try {
      process.stdout.write(await (await fetch(inspector.url)).text())
    } finally {
      await inspector.close()
    }
  })`
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: packageRoot, maxBuffer: 16 << 20 })
  return stdout
}

const scriptOf = (html: string) => /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? ''

describe('the page of the built package', () => {
  beforeAll(assertBuildIsFresh)
  for (const kind of ['import', 'require'] as const) {
    it(`inlines a script that parses and uses no bundler helper (${kind})`, async () => {
      const html = await builtPage(kind)
      expect(html).toMatch(/^<!doctype html>/i)
      const script = scriptOf(html)
      expect(script).toContain('new EventSource("events")')
      expect(() => new Function(script)).not.toThrow()
      // Helpers a bundler may call from inside a function it rewrote (`keepNames`, shims,
      // down-levelling): undefined in the page, where nothing else is loaded.
      expect(script).not.toMatch(
        /\b__(name|require|export|toESM|toCommonJS|commonJS|esm|defProp|publicField|spreadValues|objRest|async|template|init)\b|\bimport\.meta\b|\brequire\(|\bimport\(/,
      )
    })
  }
})
