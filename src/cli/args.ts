import { parseArgs } from 'node:util'

type OptionSpec = {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  default?: string | boolean
}

/**
 * Rewrites Go-style long flags (`-port=8500`, `-port 8500`) as GNU-style (`--port=8500`) so one
 * parser (Node's `util.parseArgs`) reads both. As in Go's `flag` package, a single dash followed
 * by two or more letters names one long flag, never a cluster of short ones, and flags end at
 * the first positional argument: everything from there on (a child command and its own flags)
 * is passed through untouched, behind a `--`.
 */
export function normaliseGoStyleFlags(
  argv: readonly string[],
  options: Record<string, OptionSpec>,
): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--' || !arg.startsWith('-') || arg === '-') {
      out.push(...(arg === '--' ? [] : ['--']), ...argv.slice(i))
      return out
    }
    const longFlag = /^--?([a-z][a-z0-9-]+)(=.*)?$/i.exec(arg)
    out.push(longFlag ? `--${longFlag[1]}${longFlag[2] ?? ''}` : arg)
    const takesValue = longFlag && !longFlag[2] && options[longFlag[1] as string]?.type === 'string'
    if (takesValue && i + 1 < argv.length) out.push(argv[++i] as string)
  }
  return out
}

/** A usage error: the message is printed as is, followed by the command's usage, exit code 1. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Parses `argv` with `util.parseArgs`, accepting Go-style and GNU-style long flags alike. */
export function parseFlags<const O extends Record<string, OptionSpec>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({
      args: normaliseGoStyleFlags(argv, options),
      options,
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new UsageError(goStyleMessage(error))
  }
}

/** Node's parse errors, reworded as Go's `flag` package words them (the texts `consul lock` prints). */
function goStyleMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const code = (error as { code?: unknown }).code
  const flag = /'--?([^' ]+)/.exec(message)?.[1]
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `flag provided but not defined: -${flag}`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) return `flag needs an argument: -${flag}`
  return message
}
