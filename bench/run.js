// `npm run bench`: runs every benchmark against the built package (dist/) and prints one JSON
// document. Numbers only ever live here, never in timed unit tests.
import { readdir } from 'node:fs/promises'
import os from 'node:os'

const files = (await readdir(new URL('.', import.meta.url))).filter((f) => f.endsWith('.bench.js')).sort()
const only = process.argv[2]
const results = {}
for (const file of files) {
  const name = file.replace(/\.bench\.js$/, '')
  if (only && name !== only) continue
  const bench = await import(new URL(file, import.meta.url))
  results[name] = await bench.run()
}
const report = {
  node: process.version,
  cpus: os.cpus().length,
  date: new Date().toISOString(),
  results,
}
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
