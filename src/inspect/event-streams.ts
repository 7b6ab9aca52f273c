/**
 * The open `/events` streams of an inspector's server, fed by one collector subscription while
 * any is open: each update is turned into its server-sent event once, and the same text is
 * written to every stream.
 */
import type { ServerResponse } from 'node:http'
import type { InspectionCollector } from './collector.js'

/** How soon a browser reconnects to `/events` after the stream broke (a restart). */
const RETRY_MS = 1_000
/** The most a slow event stream may have waiting to be sent, in bytes. */
export const MAX_BUFFERED = 4 * 1024 * 1024

/** What the streams read of the collector. */
export type UpdateSource = Pick<InspectionCollector, 'state' | 'subscribe'>

export const EVENT_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store',
  Connection: 'keep-alive',
  'X-Content-Type-Options': 'nosniff',
} as const

export class EventStreams {
  readonly #streams = new Set<ServerResponse>()
  readonly #source: UpdateSource
  readonly #maxBuffered: number
  #unsubscribe: (() => void) | undefined

  constructor(source: UpdateSource, options: { maxBuffered?: number } = {}) {
    this.#source = source
    this.#maxBuffered = options.maxBuffered ?? MAX_BUFFERED
  }

  /** Starts `response` as an event stream: `state` first, then every update, and a comment each `pingMs`. */
  open(response: ServerResponse, pingMs: number): void {
    response.writeHead(200, EVENT_STREAM_HEADERS)
    response.write(`retry: ${RETRY_MS}\n\n`)
    response.write(sseMessage('state', this.#source.state()))
    this.#streams.add(response)
    this.#unsubscribe ??= this.#source.subscribe((update) => this.#broadcast(sseMessage('update', update)))
    const ping = setInterval(() => response.writableEnded || response.write(': ping\n\n'), pingMs)
    response.once('close', () => {
      clearInterval(ping)
      this.#streams.delete(response)
      if (this.#streams.size > 0) return
      this.#unsubscribe?.()
      this.#unsubscribe = undefined
    })
  }

  /** Ends every stream. */
  endAll(): void {
    for (const stream of this.#streams) stream.end()
  }

  #broadcast(message: string): void {
    for (const response of this.#streams) {
      if (response.writableEnded) continue
      // A client that stopped reading is dropped rather than buffered for: on reconnecting, it
      // gets the whole state again. Destroyed, not ended: ending would wait to send what it
      // never reads.
      if (response.writableLength > this.#maxBuffered) response.destroy()
      else response.write(message)
    }
  }
}

/** One server-sent event; JSON has no raw newline, so the data is one line. */
function sseMessage(event: 'state' | 'update', data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}
