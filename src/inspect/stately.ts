/**
 * `createStatelyInspector()`: for those who do use Stately's inspector. It loads
 * `@statelyai/inspect` (an optional peer dependency, ESM-only) only when called, and gives it
 * this package's redaction, so tokens never leave the process. Its UI is stately.ai's hosted one:
 * it needs internet access; `createInspector()` does not.
 */
import type { InspectionEvent, Observer } from 'xstate'
import { ConsulLockMachineError } from '../errors.js'
import { redact } from './redact.js'

const PACKAGE = '@statelyai/inspect'

export interface StatelyInspectorOptions {
  /**
   * The WebSocket of the relay (`createInspectorServer()` from `@statelyai/inspect/server`).
   *
   * @default 'ws://localhost:8080'
   */
  url?: string
  /** Other options of `createWebSocketInspector` (`filter`, `serialize`, …), passed as they are. */
  [option: string]: unknown
}

/** What this package relies on of the inspector `@statelyai/inspect` creates. */
export interface StatelyInspector {
  readonly inspect: Observer<InspectionEvent>
  start(): void
  stop(): void
}

/** What this package calls of the `@statelyai/inspect` module. */
export interface StatelyModule {
  createWebSocketInspector(options: Record<string, unknown>): StatelyInspector
}

/**
 * A `@statelyai/inspect` WebSocket inspector, with contexts and events redacted as the offline
 * inspector shows them. Rejects with a `ConsulLockMachineError` of code `EINSPECTORMISSING`
 * when `@statelyai/inspect` is not installed.
 *
 * @example
 * ```ts
 * const stately = await createStatelyInspector({ url: 'ws://localhost:8080' })
 * const lock = consul.lock({ key: 'service/leader', inspect: stately.inspect })
 * ```
 */
export async function createStatelyInspector(
  options: StatelyInspectorOptions = {},
): Promise<StatelyInspector> {
  return statelyInspectorFrom(await loadStately(), options)
}

/** @internal `createStatelyInspector` with the module given (tests). */
export function statelyInspectorFrom(
  module: StatelyModule,
  options: StatelyInspectorOptions,
): StatelyInspector {
  return module.createWebSocketInspector({
    sanitizeContext: redact,
    sanitizeEvent: redact,
    ...options,
  })
}

/** @internal Imports `@statelyai/inspect`; `importer` is for tests. */
export async function loadStately(
  importer: (specifier: string) => Promise<unknown> = (specifier) => import(specifier),
): Promise<StatelyModule> {
  let module: unknown
  try {
    module = await importer(PACKAGE)
  } catch (error) {
    if (!isModuleMissing(error)) throw error
    throw new ConsulLockMachineError(
      'EINSPECTORMISSING',
      `createStatelyInspector needs the optional package ${PACKAGE}: npm install ${PACKAGE} ` +
        '(or use createInspector(), which needs nothing more and works offline)',
      { cause: error },
    )
  }
  const create = (module as Partial<StatelyModule> | null)?.createWebSocketInspector
  if (typeof create !== 'function') {
    throw new ConsulLockMachineError(
      'EINSPECTORMISSING',
      `${PACKAGE} has no createWebSocketInspector: install a version from 0.7 on`,
    )
  }
  return module as StatelyModule
}

/** Node's "not found" (ESM or CJS), or a bundler's (webpack, Vite) naming the package. */
function isModuleMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true
  return (
    typeof message === 'string' && /cannot find|could not resolve/i.test(message) && message.includes(PACKAGE)
  )
}
