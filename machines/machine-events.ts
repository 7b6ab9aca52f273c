/**
 * Reading the events the lock and semaphore machines handle, and sending their notifications.
 */
import type { AnyActorRef, EventObject } from 'xstate'

/**
 * The output of the invoked actor whose done event is being handled. (Implementations in
 * `setup()` see only the machine's own event types, not the actors' done events.)
 */
export function outputOf<T>(event: EventObject): T {
  const done = event as { type: string; output?: T }
  if (!('output' in done)) throw new Error(`'${done.type}' carries no actor output`)
  return done.output as T
}

/** The error of a failed actor (or of a raised renew failure), if the event carries one. */
export function errorOf(event: EventObject): unknown {
  return (event as { error?: unknown }).error
}

export function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

/** Where the enqueued notifications go: observers (`actor.on`) and, when embedded, the parent. */
export interface NotificationQueue<T> {
  emit: (event: T) => void
  sendParent: (event: T) => void
}

/** Emits `event` to observers and, when the machine runs embedded, sends it to its parent. */
export function notify<T extends EventObject>(
  enqueue: NotificationQueue<T>,
  self: AnyActorRef,
  event: T,
): void {
  enqueue.emit(event)
  if (self._parent !== undefined) enqueue.sendParent(event)
}
