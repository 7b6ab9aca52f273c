// Runs the integration suites the way they run against a real Consul (CONSUL_HTTP_ADDR set),
// with `consul-lock dev` as that agent in its own process: stock 10 s TTL minimum, no fault
// hooks reachable. It proves no test that claims to run on a real agent depends on the
// embedded server. Usage: npm run test:external (after a build).
import { spawn } from 'node:child_process'
import { once } from 'node:events'

const agent = spawn(process.execPath, ['dist/cli.js', 'dev', '-port=0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
let banner = ''
const address = await new Promise((resolve, reject) => {
  agent.stdout.setEncoding('utf8').on('data', (chunk) => {
    banner += chunk
    const match = /listening on (http:\/\/\S+)/.exec(banner)
    if (match) resolve(match[1])
  })
  agent.once('exit', (code) => reject(new Error(`consul-lock dev exited (${code}) before listening`)))
})

const tests = spawn('npx', ['vitest', 'run', 'test/integration', 'test/interop'], {
  stdio: 'inherit',
  env: { ...process.env, CONSUL_HTTP_ADDR: address, CONSUL_HTTP_TOKEN: '' },
})
const [code] = await once(tests, 'exit')
agent.kill('SIGINT')
await once(agent, 'exit')
process.exitCode = code ?? 1
