/**
 * The `<prefix>` argument, read as `consul lock` reads it: one leading `/` is trimmed (so a
 * prefix named like a subcommand can be written `/dev`), and keys under it are made with Go's
 * `path.Join`, which cleans the path (no `//`, no trailing `/`). Shared by the lock command and
 * `consul-lock status`, so that both name the same keys.
 */
import { posix } from 'node:path'

/** Go's `strings.TrimPrefix(prefix, "/")`. */
export function trimPrefixArgument(given: string): string {
  return given.startsWith('/') ? given.slice(1) : given
}

/** Go's `path.Join`: empty elements dropped, the result cleaned, `''` when nothing is left. */
export function goPathJoin(...elements: readonly string[]): string {
  const joined = elements.filter((element) => element !== '').join('/')
  if (joined === '') return ''
  const cleaned = posix.normalize(joined)
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned
}
