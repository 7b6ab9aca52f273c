import type { Reporter, TestCase, TestModule } from 'vitest/node'

/** A test skipped because a hook of its suite (or file) failed counts as failed, not skipped. */
function outcome(test: TestCase): 'passed' | 'failed' | 'skipped' | undefined {
  const state = test.result().state
  if (state !== 'skipped') return state === 'pending' ? undefined : state
  for (let parent = test.parent; ; parent = parent.parent) {
    if (parent.state() === 'failed') return 'failed'
    if (parent.type === 'module') return 'skipped'
  }
}

/**
 * Ends the run with the plain `N passed, N failed, N skipped` line that CI reads to count
 * tests; vitest's own summary uses another wording.
 */
export class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 }
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = outcome(test)
        if (state !== undefined) count[state] += 1
      }
    }
    process.stdout.write(
      `\ntests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`,
    )
  }
}
