import { BodyTooLargeError, type RequestContext } from './context.js'
import { HttpError } from './reply.js'

/**
 * Reads a request body the way Consul's KV PUT and txn endpoints do: a declared
 * Content-Length over `limit` is refused before reading, and a body that turns out longer
 * while streaming (no or a false Content-Length) is cut off. Both answer 413 with Consul's
 * texts, pointing at the config option (`docUrl`) that raises the limit.
 */
export async function readLimitedBody(ctx: RequestContext, limit: number, docUrl: string): Promise<Buffer> {
  if (ctx.contentLength > limit) {
    throw new HttpError(
      413,
      `Request body(${ctx.contentLength} bytes) too large, max size: ${limit} bytes. See ${docUrl}.`,
      { Connection: 'close' },
    )
  }
  try {
    return await ctx.readBody(limit)
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error
    throw new HttpError(413, `Request body too large, max size: ${limit} bytes. See ${docUrl}.`, {
      Connection: 'close',
    })
  }
}
