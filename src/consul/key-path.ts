/**
 * Key paths built as Go's clients build them, so ours name the same keys.
 */
import { posix } from 'node:path'

/**
 * Go's `path.Join`: empty elements dropped, the result cleaned (no `//`, no `.` segments, no
 * trailing `/`), `''` when nothing is left. How Go's `api.Semaphore` and `consul lock` make
 * `<prefix>/.lock` and `<prefix>/<session>`.
 */
export function goPathJoin(...elements: readonly string[]): string {
  const joined = elements.filter((element) => element !== '').join('/')
  if (joined === '') return ''
  const cleaned = posix.normalize(joined)
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned
}
