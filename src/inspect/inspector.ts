/**
 * `createInspector()`: the offline live view of running locks, semaphores, elections and any
 * other XState machine: an inspection observer feeding a local web page.
 */
import type { AnyActorRef, InspectionEvent, Observer, Subscription } from 'xstate'
import { InvalidOptionError } from '../errors.js'
import { type CollectorOptions, InspectionCollector } from './collector.js'
import { serveInspector } from './server.js'
import type { InspectorState } from './types.js'

export interface InspectorOptions extends Pick<CollectorOptions, 'timelineSize' | 'endedActors'> {
  /**
   * The port of the page. `0` picks a free one: read it from `url`.
   *
   * @default 0
   */
  port?: number
  /**
   * The address to listen on. The page shows contexts (redacted, but with keys, sessions and
   * indexes): keep it on loopback unless the network is yours.
   *
   * @default '127.0.0.1'
   */
  host?: string
}

/** A running inspector: its page, its observer, and the way to stop it. */
export interface Inspector extends AsyncDisposable {
  /** The page: `http://127.0.0.1:<port>/`. */
  readonly url: string
  /**
   * The XState inspection observer: `createActor(machine, { inspect })`,
   * `consul.lock({ key, inspect })`, or `actor.system.inspect(inspect)` (see `attach`).
   */
  readonly inspect: Observer<InspectionEvent>
  /**
   * Inspects a system that is already running (a lock embedded in your own machine): registers
   * `inspect` on `actor.system`, and shows `actor` and the machines below it at once rather than
   * from their next event. The other actors of the system show from their next event. Not for
   * an actor created with `inspect` already: its events would be recorded twice. After
   * `close()`, a no-op.
   */
  attach(actor: AnyActorRef): Subscription
  /** What the page shows now (`GET /api/state`). */
  state(): InspectorState
  /** Ends the page's event streams, frees the port and stops collecting. */
  close(): Promise<void>
}

/**
 * Starts an inspector: a page on a local port that draws each machine's statechart from its
 * definition, highlights the active states of every inspected actor live, and lists its
 * (redacted) context and a timeline of its events. Everything is served from this package: it
 * works without internet access.
 *
 * @example
 * ```ts
 * import { createInspector } from 'consul-lock-machine/inspect'
 *
 * const inspector = await createInspector({ port: 9400 })
 * console.log(`inspector at ${inspector.url}`)
 * const lock = consul.lock({ key: 'service/leader', inspect: inspector.inspect })
 * // …
 * await inspector.close()
 * ```
 */
export async function createInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidOptionError('port', 'must be an integer from 0 to 65535')
  }
  const collector = new InspectionCollector(options)
  const server = await serveInspector(collector, { port, host: options.host ?? '127.0.0.1' })
  const attached = new Set<Subscription>()
  let closed = false
  const inspect: Observer<InspectionEvent> = {
    next: (event) => {
      if (!closed) collector.next(event)
    },
  }
  const close = async () => {
    closed = true
    for (const subscription of attached) subscription.unsubscribe()
    attached.clear()
    await server.close()
  }
  return {
    url: server.url,
    inspect,
    attach(actor) {
      if (closed) return { unsubscribe() {} }
      const subscription = actor.system.inspect(inspect)
      attached.add(subscription)
      collector.adopt(actor)
      return {
        unsubscribe() {
          attached.delete(subscription)
          subscription.unsubscribe()
        },
      }
    },
    state: () => collector.state(),
    close,
    [Symbol.asyncDispose]: close,
  }
}
