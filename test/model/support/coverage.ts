/**
 * Which state nodes of the chart a path passes through, counting the ones it only visits
 * within a macrostep (final states left through `onDone`, `expired` and `invalidated`, which
 * hand over to the lock region at once). The active nodes of a snapshot are found from its
 * state value with xstate's public `getStateNodes(root, value)` (the root, and every node the
 * value names with its ancestors).
 */
import { getStateNodes as activeStateNodes, getMicrosteps } from 'xstate'
import { getStateNodes } from 'xstate/graph'
import { lockMachine } from '../../../machines/lock.machine.js'
import type { LockEvent } from '../../../machines/lock.types.js'
import type { ModelPath } from './replay.js'

export const allStateNodeIds = (): string[] => getStateNodes(lockMachine.root).map((node) => node.id)

export function stateNodesOn(path: ModelPath, into: Set<string>): void {
  path.steps.forEach((step, index) => {
    const before = path.steps[index - 1]?.state.lock
    const snapshots =
      before === undefined
        ? [step.state.lock]
        : getMicrosteps(lockMachine, before, step.event as LockEvent).map(([snapshot]) => snapshot)
    for (const snapshot of snapshots) {
      for (const node of activeStateNodes(lockMachine.root, snapshot.value)) into.add(node.id)
    }
  })
}
