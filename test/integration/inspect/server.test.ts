import { once } from 'node:events'
import { get, request } from 'node:http'
import { connect, createServer } from 'node:net'
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

/** A collector stand-in the test publishes through; it counts its subscribers. */
function fakeSource() {
  const listeners = new Set<(update: InspectorUpdate) => void>()
  let subscribed = 0
  let onSubscribed = () => {}
  let onUnsubscribed = () => {}
  const subscribedOnce = new Promise<void>((resolve) => (onSubscribed = resolve))
  const unsubscribed = new Promise<void>((resolve) => (onUnsubscribed = resolve))
  return {
    state: (): InspectorState => ({ actors: [], timeline: [] }),
    refresh() {},
    subscribe(listener: (update: InspectorUpdate) => void) {
      subscribed++
      listeners.add(listener)
      onSubscribed()
      return () => {
        listeners.delete(listener)
        onUnsubscribed()
      }
    },
    publish(update: InspectorUpdate & { toJSON?: () => unknown }) {
      for (const listener of listeners) listener(update)
    },
    get subscribed() {
      return subscribed
    },
    get listening() {
      return listeners.size
    },
    subscribedOnce,
    unsubscribed,
  }
}

describe('the inspector server', () => {
  it('serves the state of a lock acquired through the library with `inspect` in its options', async () => {
    const { url, inspect } = await inspector()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const key = locks.key('api-state')
    // A client with a token: it must not show anywhere.
    const token = suite.target.token ?? 'token-that-must-not-show'
    const consul = clientFor(suite.target, { token })
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
      expect(JSON.stringify(state)).not.toContain(token)
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
    for (const name of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '[::1]']) {
      expect((await fetchText(url, { host: `${name}:${port}` })).status, name).toBe(200)
    }
    // DNS names that merely start like a loopback address may be rebound to it: refused.
    for (const host of ['127.evil.example', '127.0.0.1.nip.io', 'localhost.evil.example', '::1'].map(
      (name) => `${name}:${port}`,
    )) {
      expect((await fetchText(url, { host })).status, host).toBe(421)
    }
    expect((await fetchText(url, { host: '127.0.0.1:1' })).status).toBe(421)
  })

  it('checks Host on a loopback address written in capitals too', async () => {
    const served = await serveInspector(new InspectionCollector(), { port: 0, host: 'LOCALHOST' })
    opened.push(served)
    expect((await fetchText(served.url, { host: 'attacker.example:80' })).status).toBe(421)
    expect((await fetchText(served.url)).status).toBe(200)
  })

  it('answers HEAD /events with the headers of a stream, and opens none', async () => {
    const source = fakeSource()
    const served = await serveInspector(source, { port: 0, host: '127.0.0.1' })
    opened.push(served)
    const head = await fetchText(new URL('events', served.url).href, { method: 'HEAD' })
    expect(head).toMatchObject({ status: 200, type: 'text/event-stream; charset=utf-8', body: '' })
    expect(source.subscribed).toBe(0)
  })

  it('writes each update once for every client, and unsubscribes when the last client left', async () => {
    const source = fakeSource()
    const served = await serveInspector(source, { port: 0, host: '127.0.0.1' })
    opened.push(served)
    const clients = [await stream(served.url), await stream(served.url)]
    for (const client of clients) await client.next((message) => message.event === 'state')
    let serialised = 0
    const entry = { seq: 1, at: 1, actorId: 'x:0', kind: 'actor', summary: 'created' } as const
    const toJSON = () => {
      serialised++
      return { type: 'timeline', entry }
    }
    source.publish({ type: 'timeline', entry, toJSON })
    for (const client of clients) {
      expect((await client.next((message) => message.event === 'update')).data).toEqual({
        type: 'timeline',
        entry,
      })
    }
    expect(serialised).toBe(1)
    expect(source.subscribed).toBe(1)
    const [first, second] = clients as [SseStream, SseStream]
    first.close()
    second.close()
    await source.unsubscribed
    expect(source.listening).toBe(0)
  })

  it('drops a client that stopped reading once too much waits for it, and unsubscribes', async () => {
    const source = fakeSource()
    const served = await serveInspector(source, { port: 0, host: '127.0.0.1', maxBuffered: 64 * 1024 })
    opened.push(served)
    const { port } = new URL(served.url)
    // A client that sends its request and never reads a byte.
    const socket = connect(Number(port), '127.0.0.1')
    opened.push({ close: () => socket.destroy() })
    socket.pause()
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)
    await source.subscribedOnce
    const entry = { seq: 1, at: 1, actorId: 'x:0', kind: 'event', summary: 'x'.repeat(256 * 1024) } as const
    let dropped = false
    void source.unsubscribed.then(() => {
      dropped = true
    })
    // 256 KiB per update: the kernel's buffers fill up, then the stream's own past 64 KiB.
    for (let i = 0; i < 400 && !dropped; i++) {
      source.publish({ type: 'timeline', entry })
      await new Promise(setImmediate)
    }
    expect(dropped).toBe(true)
    expect(source.listening).toBe(0)
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
    // Attaching is a no-op too.
    const running = createActor(createMachine({ id: 'attached-after-close' })).start()
    started.attach(running).unsubscribe()
    expect(started.state()).toEqual({ actors: [], timeline: [] })
    running.stop()
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
