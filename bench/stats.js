import { performance } from 'node:perf_hooks'

/** Summary statistics of a list of milliseconds, rounded to 0.01 ms. */
export function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  const round = (x) => Math.round(x * 100) / 100
  return {
    count: sorted.length,
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p99: round(at(0.99)),
    max: round(sorted[sorted.length - 1]),
    mean: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
  }
}

/** Runs `op(i)` `count` times in sequence: operations per second and per-call latency. */
export async function timed(count, op) {
  const samples = []
  const start = performance.now()
  for (let i = 0; i < count; i++) {
    const t = performance.now()
    await op(i)
    samples.push(performance.now() - t)
  }
  const seconds = (performance.now() - start) / 1000
  return { opsPerSecond: Math.round(count / seconds), latencyMs: summarize(samples) }
}
