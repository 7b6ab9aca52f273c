import { once } from 'node:events'
import { get, request } from 'node:http'
import { createServer } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createActor, createMachine } from 'xstate'
import { InspectionCollector } from '../../../src/inspect/collector.js'
import { createInspector, type Inspector } from '../../../src/inspect/index.js'
import { serveInspector } from '../../../src/inspect/server.js'
import type { ActorView, InspectorState, InspectorUpdate } from '../../../src/inspect/types.js'
import { clientFor, useClientSuite } from '../../support/client-target.js'
import { useDisposedAfterEach, useLocks } from '../../support/lock-helpers.js'
import { openSse, type SseMessage, type SseStream } from '../../support/sse-client.js'

const suite = useClientSuite('inspect-server')
const locks = useLocks(suite)
/** For locks made by the test itself (its own session name: each name is checked for leaks). */
const ownSessionName = `${suite.prefix} own`
const disposeAfterEach = useDisposedAfterEach(suite, ownSessionName)

const opened: Array<{ close(): unknown }> = []
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close()
})

async function inspector(): Promise<Inspector> {
  const started = await createInspector()
  opened.push(started)
  return started
}

async function stream(url: string): Promise<SseStream> {
  const events = await openSse(new URL('events', url).href)
  opened.push(events)
  return events
}

/** One HTTP request to the inspector; the body as text. */
function fetchText(url: string, options: { method?: string; host?: string } = {}) {
  return new Promise<{ status: number; type: string | undefined; csp: unknown; body: string }>(
    (resolve, reject) => {
      const headers = options.host === undefined ? {} : { Host: options.host }
      const req = request(url, { method: options.method ?? 'GET', headers, agent: false }, (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          body += chunk
        })
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            type: response.headers['content-type'],
            csp: response.headers['content-security-policy'],
            body,
          }),
        )
      })
      req.once('error', reject)
      req.end()
    },
  )
}

async function apiState(url: string): Promise<InspectorState> {
  const response = await fetchText(new URL('api/state', url).href)
  expect(response.status).toBe(200)
  expect(response.type).toBe('application/json; charset=utf-8')
  return JSON.parse(response.body) as InspectorState
}

const actorUpdate = (message: SseMessage) =>
  message.event === 'update' ? (message.data as InspectorUpdate) : undefined
const isActor = (id: string, tag: string) => (message: SseMessage) => {
  const update = actorUpdate(message)
  return update?.type === 'actor' && update.actor.id === id && update.actor.tags.includes(tag)
}

describe('the inspector server', () => {
  it('serves the state of a lock acquired through the library with `inspect` in its options', async () => {
    const { url, inspect } = await inspector()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const key = locks.key('api-state')
    // A client with a token: it must not show anywhere.
    const consul = clientFor(suite.target, { token: suite.target.token ?? 'token-that-must-not-show' })
    try {
      const lock = disposeAfterEach(
        consul.lock({ key, sessionName: ownSessionName, sessionTTL: locks.ttlMs, lockDelay: 0, inspect }),
      )
      const lease = await lock.acquire()

      const state = await apiState(url)
      expect(state.actors).toHaveLength(1)
      const [view] = state.actors as [ActorView]
      expect(view).toMatchObject({ id: lock.actor.sessionId, machineId: 'lock', status: 'active' })
      expect(view.definition?.id).toBe('lock')
      expect(view.tags).toContain('held')
      expect(view.activeStateIds).toContain('lock.session.lock.held')
      expect(view.context).toMatchObject({ settings: { key }, session: lease.session })
      const summaries = state.timeline
        .filter((entry) => entry.actorId === view.id)
        .map((entry) => entry.summary)
      expect(summaries).toContain('invokes createSession')
      expect(summaries).toContain('done: acquireKey')
      expect(JSON.stringify(state)).not.toContain('token-that-must-not-show')
      await lock.release()
    } finally {
      await consul.close()
    }
  })

  it('streams `state` first, then updates in order as the lock goes held, then idle', async () => {
    const { url, inspect } = await inspector()
    const events = await stream(url)
    expect(events.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    const first = await events.next(() => true, { what: 'first message' })
    expect(first).toEqual({ event: 'state', data: { actors: [], timeline: [] } })

    const lock = locks.lock({ key: locks.key('sse') }, { inspect })
    const id = lock.actor.sessionId
    await lock.acquire()
    const held = events.received.indexOf(await events.next(isActor(id, 'held'), { what: 'held' }))
    await lock.release()
    const idle = events.received.indexOf(await events.next(isActor(id, 'idle'), { from: held, what: 'idle' }))
    expect(idle).toBeGreaterThan(held)

    const updates = events.received.slice(1).map((message) => {
      expect(message.event).toBe('update')
      return message.data as InspectorUpdate
    })
    const seqs = updates.flatMap((update) => (update.type === 'timeline' ? [update.entry.seq] : []))
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
    const phases = updates.flatMap((update) =>
      update.type === 'actor' ? [update.actor.tags.filter((tag) => tag !== 'suspect').join()] : [],
    )
    // idle → pending → held → releasing → idle, with repeats as the context changes.
    const distinct = phases.filter((phase, i) => phase !== '' && phase !== phases[i - 1])
    expect(distinct).toEqual(['idle', 'pending', 'held', 'releasing', 'idle'])
    // The definition travels in the actor's first update only.
    const withDefinition = updates.filter((update) => update.type === 'actor' && update.actor.definition)
    expect(withDefinition).toHaveLength(1)
  })

  it('shows two locks of one process apart, and a lock attached late', async () => {
    const inspected = await inspector()
    const a = locks.lock({ key: locks.key('two-a') }, { inspect: inspected.inspect, id: 'lock-a' })
    const b = locks.lock({ key: locks.key('two-b') }, { inspect: inspected.inspect, id: 'lock-b' })
    const late = locks.lock({ key: locks.key('late') })
    await Promise.all([a.acquire(), b.acquire(), late.acquire()])
    const subscription = inspected.attach(late.actor)

    const state = await apiState(inspected.url)
    expect(state.actors.map((view) => [view.name, view.tags.includes('held')])).toEqual([
      ['lock-a', true],
      ['lock-b', true],
      [late.actor.id, true],
    ])
    expect(new Set(state.actors.map((view) => view.id)).size).toBe(3)
    expect(state.actors.map((view) => (view.context as { settings: { key: string } }).settings.key)).toEqual([
      a.key,
      b.key,
      late.key,
    ])
    const events = await stream(inspected.url)
    await late.release()
    await events.next(isActor(late.actor.sessionId, 'idle'), { what: 'the late lock idle' })
    subscription.unsubscribe()
  })

  it('serves one self-contained page, and refuses other paths, methods and foreign Host names', async () => {
    const { url } = await inspector()
    const page = await fetchText(url)
    expect(page.status).toBe(200)
    expect(page.type).toBe('text/html; charset=utf-8')
    expect(page.csp).toContain("default-src 'none'")
    expect(page.body).toMatch(/^<!doctype html>/i)
    expect(page.body).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']?(https?:)?\/\//i)
    expect((await fetchText(new URL('nowhere', url).href)).status).toBe(404)
    expect((await fetchText(url, { method: 'POST' })).status).toBe(405)
    expect((await fetchText(url, { host: 'attacker.example:80' })).status).toBe(421)
    const port = new URL(url).port
    expect((await fetchText(url, { host: `localhost:${port}` })).status).toBe(200)
  })

  it('close() ends the event streams and frees the port', async () => {
    const started = await createInspector()
    const events = await stream(started.url)
    await events.next((message) => message.event === 'state')
    await started.close()
    await events.ended
    // The port is free again: something else can listen on it.
    const port = Number(new URL(started.url).port)
    const other = createServer().listen(port, '127.0.0.1')
    await once(other, 'listening')
    other.close()
    await once(other, 'close')
    await expect(fetchText(started.url)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    // Closed, it collects nothing more; closing again is a no-op.
    createActor(createMachine({ id: 'after-close' }), { inspect: started.inspect }).start()
    expect(started.state()).toEqual({ actors: [], timeline: [] })
    await started.close()
  })

  it('keeps an idle stream alive with comments', async () => {
    const served = await serveInspector(new InspectionCollector(), { port: 0, host: '127.0.0.1', pingMs: 10 })
    opened.push(served)
    const raw = await new Promise<string>((resolve, reject) => {
      let text = ''
      const req = get(new URL('events', served.url), { agent: false }, (response) => {
        response.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk
          if (text.includes(': ping\n\n')) {
            req.destroy()
            resolve(text)
          }
        })
      })
      req.once('error', reject)
    })
    expect(raw).toMatch(
      /^retry: 1000\n\nevent: state\ndata: \{"actors":\[\],"timeline":\[\]\}\n\n(: ping\n\n)+$/,
    )
  })

  it('listens on the port asked for, and rejects a bad one', async () => {
    const probe = createServer().listen(0, '127.0.0.1')
    await once(probe, 'listening')
    const port = (probe.address() as { port: number }).port
    probe.close()
    await once(probe, 'close')
    const started = await createInspector({ port })
    opened.push(started)
    expect(started.url).toBe(`http://127.0.0.1:${port}/`)
    await expect(createInspector({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
    await expect(createInspector({ port: 70_000 })).rejects.toMatchObject({ code: 'EINVALIDOPTION' })
  })
})
