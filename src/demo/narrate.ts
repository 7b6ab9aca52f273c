/** How each observed event reads on the timeline: who, and what happened. */
import type { DemoEvent } from './events.js'
import { shortSession } from './timeline.js'

/** `consul` for what the demo read from Consul, the worker's name for what a worker did. */
export function narrate(event: DemoEvent): [who: string, what: string] {
  switch (event.type) {
    case 'leader':
      return event.worker === null || event.session === null
        ? ['consul', 'nobody holds the lock']
        : [event.worker, `leads (session ${shortSession(event.session)})`]
    case 'slots': {
      const limit = event.limit === undefined ? '' : ` of ${event.limit}`
      const holders = event.holders.length === 0 ? 'none' : event.holders.join(', ')
      const waiting = event.waiting.length === 0 ? '' : `; waiting: ${event.waiting.join(', ')}`
      const leaving = event.leaving.length === 0 ? '' : `; leaving: ${event.leaving.join(', ')}`
      return ['consul', `slots held: ${holders} (${event.holders.length}${limit})${waiting}${leaving}`]
    }
    case 'working':
      return [
        event.worker,
        `child (pid ${event.pid}) works under the lock (CONSUL_LOCK_HELD=${event.lockHeld})`,
      ]
    case 'stopping':
      return [event.worker, 'child got SIGTERM and stops']
    case 'exited':
      return [
        event.worker,
        typeof event.code === 'number'
          ? `consul-lock exited ${event.code}`
          : `consul-lock killed (${event.code})`,
      ]
  }
}
