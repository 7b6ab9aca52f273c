import { defineConfig } from 'vitest/config'
import { SummaryReporter } from './test/support/summary-reporter.js'

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    reporters: ['default', new SummaryReporter()],
    restoreMocks: true,
    unstubGlobals: true,
    // Integration tests use real sockets and real (short) TTLs; no test sleeps, but some wait
    // on server-side timers of a few seconds.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
