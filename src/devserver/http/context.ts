import type { IncomingMessage } from 'node:http'
import type { GoQuery } from './query.js'

/** Thrown by `readBody` when the body is longer than the caller's limit. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError'
}

/** One request as handlers see it: the cleaned, percent-decoded path and Go-parsed query. */
export interface RequestContext {
  readonly method: string
  /** Percent-decoded, cleaned path, e.g. `/v1/kv/a/b`. */
  readonly path: string
  readonly query: GoQuery
  /** First value of a request header (`''` when absent). Name in lowercase. */
  header(name: string): string
  /** `Content-Length`, or -1 when the client did not send one (chunked), like Go's `ContentLength`. */
  readonly contentLength: number
  /** Reads the whole body; throws `BodyTooLargeError` past `limit` bytes. */
  readBody(limit: number): Promise<Buffer>
  /** Aborted when the client goes away or the server closes. */
  readonly signal: AbortSignal
}

export function headerReader(req: IncomingMessage): (name: string) => string {
  return (name) => {
    const value = req.headers[name]
    return (Array.isArray(value) ? value[0] : value) ?? ''
  }
}

export function contentLengthOf(req: IncomingMessage): number {
  const raw = req.headers['content-length']
  if (raw === undefined) return -1
  const value = Number(raw)
  return Number.isSafeInteger(value) && value >= 0 ? value : -1
}

export function bodyReader(req: IncomingMessage): (limit: number) => Promise<Buffer> {
  let pending: Promise<Buffer> | undefined
  return (limit) => {
    pending ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      const onData = (chunk: Buffer): void => {
        size += chunk.length
        if (size > limit) {
          cleanup()
          req.resume()
          reject(new BodyTooLargeError())
          return
        }
        chunks.push(chunk)
      }
      const onEnd = (): void => {
        cleanup()
        resolve(Buffer.concat(chunks, size))
      }
      const onClose = (): void => {
        cleanup()
        reject(new Error('request aborted'))
      }
      const onError = (error: Error): void => {
        cleanup()
        reject(error)
      }
      const cleanup = (): void => {
        req.off('data', onData)
        req.off('end', onEnd)
        req.off('error', onError)
        req.off('close', onClose)
      }
      req.on('data', onData)
      req.on('end', onEnd)
      req.on('error', onError)
      req.on('close', onClose)
    })
    return pending
  }
}
