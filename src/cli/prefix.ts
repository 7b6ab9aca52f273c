/**
 * The `<prefix>` argument, read as `consul lock` reads it: one leading `/` is trimmed (so a
 * prefix named like a subcommand can be written `/dev`); keys under it are made with Go's
 * `path.Join` (`goPathJoin`). Shared by the lock command and `consul-lock status`, so that both
 * name the same keys.
 */
/** Go's `strings.TrimPrefix(prefix, "/")`. */
export function trimPrefixArgument(given: string): string {
  return given.startsWith('/') ? given.slice(1) : given
}
