/**
 * The tests every machine's model-based suite registers, for one machine and a few models of it
 * (inputs and event variants): one test per generated path covering a transition of the chart,
 * replayed; the invariants on every reachable model state; RELEASE and CANCEL meaning the same;
 * and, once the suite's own scenarios were replayed too, every state node of the chart reached.
 */
import { describe, expect, it } from 'vitest'
import type { AnyStateMachine } from 'xstate'
import type { MachineModel } from './machine-model.js'
import { pathTitle } from './path-names.js'
import { expectReleaseMeansCancel } from './release-means-cancel.js'
import { coverageReplayer, type Fakes } from './replay.js'
import { type ModelOptions, shortestPaths, transitionCoveringPaths } from './select-paths.js'
import type { ModelPath } from './timed-model.js'

export type NamedModel<TMachine extends AnyStateMachine> = { name: string } & ModelOptions<TMachine>

export function modelSuite<TMachine extends AnyStateMachine, TFakes extends Fakes<TFakes>>(
  model: MachineModel<TMachine, TFakes>,
  models: readonly NamedModel<TMachine>[],
) {
  const { replayed, missedStateNodes } = coverageReplayer(model)
  const shortest = new Map(models.map((options) => [options, shortestPaths(model, options)]))
  const shortestOf = (options: NamedModel<TMachine>): ModelPath<TMachine>[] => shortest.get(options) ?? []
  return {
    /** Replays a path (and counts the state nodes it passes through). */
    replayed,
    /** The shortest path to every model state of `options`. */
    shortestOf,
    /** The generated paths (per model), the invariants, and RELEASE ≡ CANCEL. */
    describeGeneratedPaths() {
      const coveredTransitions = new Set<string>()
      for (const options of models) {
        const paths = transitionCoveringPaths(model, shortestOf(options), options, coveredTransitions)
        describe(`${options.name} (${paths.length} ${paths.length === 1 ? 'path' : 'paths'})`, () => {
          for (const path of paths) {
            it(pathTitle(model, path), async () => {
              await replayed(path, options.input)
            })
          }
        })
      }

      describe('every reachable model state keeps the invariants', () => {
        for (const options of models) {
          it(options.name, () => {
            for (const { state } of shortestOf(options)) model.invariants(state)
          })
        }
      })

      describe('RELEASE and CANCEL mean the same wherever there is something to give up', () => {
        for (const options of models) {
          it(options.name, () => {
            expectReleaseMeansCancel(
              model,
              shortestOf(options).map((path) => path.state),
            )
          })
        }
      })
    },
    /** The last test of a suite: its replayed paths reached every state node of the chart. */
    itReachedEveryStateNode() {
      it('the replayed paths pass through every state node of the chart', () => {
        expect(missedStateNodes()).toEqual([])
      })
    },
  }
}
