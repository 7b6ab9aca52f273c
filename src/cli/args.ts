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
 * by a word names one long flag, never a cluster of short ones (a single letter is a long flag
 * when `options` defines it, as `consul lock -n 3`; otherwise it stays a short alias), a value
 * given as the next argument is taken as is even when it starts with a dash (`-timeout -1s`),
 * and flags end at the first positional argument: everything from there on (a child command
 * and its own flags) is passed through untouched, behind a `--`.
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
    // Go's flag package: after one or two dashes, a name that starts with neither '-' nor '='.
    if (/^(-{3}|-{1,2}=)/.test(arg)) throw new UsageError(`bad flag syntax: ${arg}`)
    const longFlag = /^--?([^=]+)(=.*)?$/s.exec(arg)
    const name = longFlag?.[1] as string
    if (!longFlag || (name.length === 1 && !(name in options))) {
      out.push(arg)
      continue
    }
    const takesValue = !longFlag[2] && options[name]?.type === 'string'
    // Joined, so that a value starting with a dash is not read as a flag.
    if (takesValue && i + 1 < argv.length) out.push(`--${name}=${argv[++i]}`)
    else out.push(`--${name}${longFlag[2] ?? ''}`)
  }
  return out
}

/** A usage error: the message is printed as is, followed by the command's usage, exit code 1. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Parses `argv` with `util.parseArgs`, accepting Go-style and GNU-style long flags alike. */
export function parseFlags<const O extends Record<string, OptionSpec>>(argv: readonly string[], options: O) {
  const { args, booleans } = takeBooleanFlags(normaliseGoStyleFlags(argv, options), options)
  try {
    const parsed = parseArgs({ args, options, allowPositionals: true, strict: true })
    Object.assign(parsed.values, booleans)
    return parsed
  } catch (error) {
    throw new UsageError(goStyleMessage(error))
  }
}

/** Go's `strconv.ParseBool`, which its `flag` package uses for `-name=value` on a boolean flag. */
const GO_BOOLEANS: Readonly<Record<string, boolean>> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
}

/**
 * Reads boolean long flags in Go's forms, `--shell` and `--shell=false` (Node's parser refuses
 * a value on a boolean), from normalised arguments; the last occurrence wins, as in Go. Returns
 * the other arguments for `util.parseArgs`, and the booleans read.
 */
function takeBooleanFlags(normalised: readonly string[], options: Record<string, OptionSpec>) {
  const args: string[] = []
  const booleans: Record<string, boolean> = {}
  const end = normalised.indexOf('--')
  for (const [i, arg] of normalised.entries()) {
    const flag = /^--([^=]+)(?:=(.*))?$/s.exec(arg)
    const name = flag?.[1] as string
    if (!flag || (end !== -1 && i > end) || options[name]?.type !== 'boolean') {
      args.push(arg)
      continue
    }
    const text = flag[2]
    const value = text === undefined ? true : GO_BOOLEANS[text]
    if (value === undefined) throw new UsageError(`invalid boolean value "${text}" for -${name}: parse error`)
    booleans[name] = value
  }
  return { args, booleans }
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
