import { describe, expect, it, vi } from 'vitest'
import { ConsulLockMachineError } from '../../../src/errors.js'
import { REDACTED } from '../../../src/inspect/redact.js'
import {
  createStatelyInspector,
  loadStately,
  type StatelyModule,
  statelyInspectorFrom,
} from '../../../src/inspect/stately.js'

const missing = () =>
  Promise.reject(
    Object.assign(new Error("Cannot find package '@statelyai/inspect'"), { code: 'ERR_MODULE_NOT_FOUND' }),
  )

describe('createStatelyInspector', () => {
  it('rejects with EINSPECTORMISSING, saying what to install, when @statelyai/inspect is not installed', async () => {
    const error = await loadStately(missing).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConsulLockMachineError)
    expect(error).toMatchObject({ code: 'EINSPECTORMISSING', cause: { code: 'ERR_MODULE_NOT_FOUND' } })
    expect((error as Error).message).toMatch(/npm install @statelyai\/inspect/)
    expect((error as Error).message).toMatch(/createInspector\(\)/)
  })

  it('is the path this repository takes: @statelyai/inspect is an optional peer, not installed here', async () => {
    await expect(createStatelyInspector()).rejects.toMatchObject({ code: 'EINSPECTORMISSING' })
  })

  it('lets other import failures through, and refuses a module without createWebSocketInspector', async () => {
    const broken = new SyntaxError('Unexpected token')
    await expect(loadStately(() => Promise.reject(broken))).rejects.toBe(broken)
    await expect(loadStately(() => Promise.resolve({}))).rejects.toMatchObject({ code: 'EINSPECTORMISSING' })
  })

  it('creates a WebSocket inspector that redacts contexts and events, the caller’s options last', async () => {
    const inspector = { inspect: { next: () => {} }, start: () => {}, stop: () => {} }
    const module: StatelyModule = { createWebSocketInspector: vi.fn(() => inspector) }
    expect(await loadStately(() => Promise.resolve(module))).toBe(module)
    expect(statelyInspectorFrom(module, { url: 'ws://localhost:9999' })).toBe(inspector)
    const [options] = vi.mocked(module.createWebSocketInspector).mock.calls[0] ?? []
    expect(options).toMatchObject({ url: 'ws://localhost:9999' })
    const sanitizeContext = options?.sanitizeContext as (context: unknown) => unknown
    const sanitizeEvent = options?.sanitizeEvent as (event: unknown) => unknown
    expect(sanitizeContext({ token: 't', index: 1n })).toEqual({ token: REDACTED, index: '1' })
    expect(sanitizeEvent({ type: 'X', password: 'p' })).toEqual({ type: 'X', password: REDACTED })
  })
})
