/**
 * Which state nodes of a chart a path passes through, counting the ones it only visits within
 * a macrostep (final states left through `onDone`, or states that raise an event and hand over
 * at once, as the lock's `expired` and `invalidated`). The active nodes of a snapshot are found
 * from its state value with xstate's public `getStateNodes(root, value)` (the root, and every
 * node the value names with its ancestors).
 */
import { type AnyStateMachine, getStateNodes as activeStateNodes, getMicrosteps } from 'xstate'
import { getStateNodes } from 'xstate/graph'
import type { ModelPath } from './timed-model.js'

export const allStateNodeIds = (machine: AnyStateMachine): string[] =>
  getStateNodes(machine.root).map((node) => node.id)

export function stateNodesOn<TMachine extends AnyStateMachine>(
  machine: TMachine,
  path: ModelPath<TMachine>,
  into: Set<string>,
): void {
  const chart: AnyStateMachine = machine
  path.steps.forEach((step, index) => {
    const before = path.steps[index - 1]?.state.machine
    const snapshots =
      before === undefined
        ? [step.state.machine]
        : getMicrosteps(chart, before, step.event).map(([snapshot]) => snapshot)
    for (const snapshot of snapshots) {
      for (const node of activeStateNodes(chart.root, snapshot.value)) into.add(node.id)
    }
  })
}
