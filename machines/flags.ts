/**
 * `Flags` values that mark a KV entry as a lock or a semaphore contender. They equal the Go
 * client's `api.LockFlagValue` and `api.SemaphoreFlagValue`, so a Go client and this one
 * recognise (and exclude) each other on the same keys. uint64: only exact as bigint.
 */
export const LOCK_FLAG_VALUE = 0x2ddccbc058a50c18n
export const SEMAPHORE_FLAG_VALUE = 0xe0f69a2baa414de0n
