import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

/** The built CLI (`npm test` builds first, so this is the file users run). */
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

export interface RunningProcess {
  child: ChildProcess
  /** Everything written to stdout so far. */
  stdout(): string
  /** Everything written to stderr so far. */
  stderr(): string
  /** Resolves with the first match of `pattern` in stdout, as soon as it appears. */
  waitForOutput(pattern: RegExp): Promise<RegExpMatchArray>
  /** Resolves with the first match of `pattern` in stderr, as soon as it appears. */
  waitForError(pattern: RegExp): Promise<RegExpMatchArray>
  /** Resolves with the exit code (or the signal name) once the process has ended. */
  exited: Promise<number | NodeJS.Signals>
}

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): RunningProcess {
  return startProcess(process.execPath, [cliPath, ...args], { env })
}

/**
 * Starts `file` with its output captured. `stdin: 'pipe'` leaves `child.stdin` open for the
 * test to write to.
 */
export function startProcess(
  file: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: 'pipe' | 'ignore' } = {},
): RunningProcess {
  const child = spawn(file, args, {
    env: options.env ?? process.env,
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | NodeJS.Signals)

  const waitFor = (stream: 'stdout' | 'stderr', pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const text = () => (stream === 'stdout' ? stdout : stderr)
      const check = () => {
        const match = text().match(pattern)
        if (!match) return false
        child[stream]?.off('data', check)
        resolve(match)
        return true
      }
      if (check()) return
      child[stream]?.on('data', check)
      exited.then(() => {
        if (!check())
          reject(new Error(`exited before printing ${pattern}; stdout: ${stdout}; stderr: ${stderr}`))
      })
    })
  const waitForOutput = (pattern: RegExp) => waitFor('stdout', pattern)
  const waitForError = (pattern: RegExp) => waitFor('stderr', pattern)

  return { child, stdout: () => stdout, stderr: () => stderr, waitForOutput, waitForError, exited }
}

/**
 * Stops a process that may still run: SIGTERM, then SIGKILL if it has not exited after
 * `graceMs`. Resolves once it has exited.
 */
export async function stopProcess(running: RunningProcess, graceMs = 5000): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return
  running.child.kill('SIGTERM')
  const timer = setTimeout(() => running.child.kill('SIGKILL'), graceMs)
  try {
    await running.exited
  } finally {
    clearTimeout(timer)
  }
}
