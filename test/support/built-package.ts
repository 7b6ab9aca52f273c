import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root: tests of the built package run from here so self-references resolve. */
export const packageRoot = fileURLToPath(new URL('../..', import.meta.url))

async function newestMtime(dir: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs)
  }
  return newest
}

/**
 * Fails when `dist/` is older than the sources: `npm test` builds first, a bare
 * `npx vitest run` does not, and a stale build would be tested instead of the code.
 */
export async function assertBuildIsFresh(): Promise<void> {
  const built = (await stat(join(packageRoot, 'dist/index.js'))).mtimeMs
  const sources = Math.max(
    await newestMtime(join(packageRoot, 'src')),
    await newestMtime(join(packageRoot, 'machines')),
  )
  if (sources > built) throw new Error('dist/ is older than src/ or machines/: run `npm run build` first')
}
