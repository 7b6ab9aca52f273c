/**
 * A minimal server-sent events client for tests of the inspector's `/events` stream: keeps
 * every message it received, and waits (without sleeping) for the next one that matches.
 */
import { get, type IncomingMessage } from 'node:http'

export interface SseMessage {
  event: string
  data: unknown
}

export interface SseStream {
  /** Every message so far, in order. */
  readonly received: readonly SseMessage[]
  /** The response headers. */
  readonly headers: IncomingMessage['headers']
  /** The first message from `from` on (an index into `received`) that matches. */
  next(
    match: (message: SseMessage) => boolean,
    options?: { from?: number; what?: string },
  ): Promise<SseMessage>
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>
  close(): void
}

/** Opens `url` (the inspector's `/events`) and resolves once the response headers arrived. */
export function openSse(url: string, timeoutMs = 10_000): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { Accept: 'text/event-stream' }, agent: false }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`GET ${url}: ${response.statusCode}`))
        response.resume()
        return
      }
      const received: SseMessage[] = []
      const waiters = new Set<() => void>()
      let buffer = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        buffer += chunk
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const message = parseBlock(block)
          if (message) received.push(message)
        }
        for (const wake of waiters) wake()
      })
      const ended = new Promise<void>((done) => response.once('close', () => done()))
      resolve({
        received,
        headers: response.headers,
        ended,
        close: () => request.destroy(),
        next(match, { from = 0, what = 'a matching message' } = {}) {
          return new Promise((found, fail) => {
            const look = () => {
              const message = received.slice(from).find(match)
              if (message === undefined) return false
              clearTimeout(timer)
              waiters.delete(wake)
              found(message)
              return true
            }
            const wake = () => void look()
            const timer = setTimeout(() => {
              waiters.delete(wake)
              fail(
                new Error(
                  `no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(received.map((m) => m.event))}`,
                ),
              )
            }, timeoutMs)
            if (!look()) waiters.add(wake)
          })
        },
      })
    })
    request.once('error', reject)
  })
}

/** One event block: `event:` and `data:` lines; comments (`: ping`) and `retry:` give nothing. */
function parseBlock(block: string): SseMessage | undefined {
  let event = 'message'
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7)
    else if (line.startsWith('data: ')) data.push(line.slice(6))
  }
  return data.length === 0 ? undefined : { event, data: JSON.parse(data.join('\n')) }
}
