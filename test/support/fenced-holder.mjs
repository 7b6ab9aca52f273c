// A lock holder in a process of its own, for the paused-holder test (test/integration/lock/
// fenced-writes.test.ts). It runs the built package.
//
// node fenced-holder.mjs <address> <lock key> <data key> <session TTL ms> <session name>
// Acquires the lock (no lock-delay) and prints {"step":"held",session,fencingToken}. On a
// "write <value>" line on stdin it checks that the lease is not lost, prints {"step":"checked"},
// then stops itself with SIGSTOP right there: the pause falls between the check and the write,
// as in Kleppmann's example. Once continued it writes <value> to the data key with lease.txn at
// once (no timer or I/O callback of the lock runs in between) and prints {"step":"written"} or
// {"step":"rejected",name,code,reason}, each with `lostAtWrite`. Releases and exits at stdin's end.
import { createInterface } from 'node:readline'
import { Consul } from 'consul-lock-machine'

const [address, key, dataKey, ttl, sessionName] = process.argv.slice(2)
const consul = new Consul({ env: {}, address, token: process.env.CONSUL_HTTP_TOKEN || undefined })
const lock = consul.lock({ key, value: 'holder A', sessionTTL: Number(ttl), lockDelay: 0, sessionName })
// Pipes are written synchronously on Linux: a line is out before the process stops.
const report = (step, details = {}) => process.stdout.write(`${JSON.stringify({ step, ...details })}\n`)

const lease = await lock.acquire()
report('held', { session: lease.session, fencingToken: String(lease.fencingToken) })
for await (const line of createInterface({ input: process.stdin })) {
  const [command, value] = line.split(' ')
  if (command !== 'write') continue
  if (lease.lost.aborted) {
    report('gave-up', { reason: lease.lost.reason.reason })
    continue
  }
  report('checked')
  process.kill(process.pid, 'SIGSTOP')
  const lostAtWrite = lease.lost.aborted
  try {
    await lease.txn([{ verb: 'set', key: dataKey, value }])
    report('written', { lostAtWrite })
  } catch (error) {
    report('rejected', { name: error.name, code: error.code, reason: error.reason, lostAtWrite })
  }
}
await lock[Symbol.asyncDispose]()
await consul.close()
