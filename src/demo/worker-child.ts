/**
 * The command each demo worker runs under `consul-lock` (built as dist/demo-worker.js): it
 * announces that it works, in a line the demo parses, and works until SIGTERM.
 * Usage: node demo-worker.js <worker name> <run id>. The run id is only there so the demo (and
 * its test) can find every process of a run by its command line.
 */
import { CHILD_MARKER } from './child-protocol.js'

const name = process.argv[2] ?? 'worker'
const held = process.env.CONSUL_LOCK_HELD ?? 'unset'

// The work: nothing but staying alive, which is what the lock protects here.
const work = setInterval(() => {}, 60_000)
// Listening before announcing: a SIGTERM that follows the announcement at once must find it.
process.once('SIGTERM', () => {
  process.stdout.write(`${CHILD_MARKER} ${name} stopping (SIGTERM)\n`)
  clearInterval(work)
})
process.stdout.write(`${CHILD_MARKER} ${name} working pid=${process.pid} CONSUL_LOCK_HELD=${held}\n`)
