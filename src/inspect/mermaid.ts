/**
 * `toMermaid(machine)`: a machine's statechart as Mermaid `stateDiagram-v2` text, drawn from the
 * machine's definition (`describeMachine`), so a diagram made from it cannot drift from the code.
 * Compound states become composite states, parallel regions are separated by `--`, every
 * transition with a target is an edge labelled with its event (and guard), final states lead to
 * `[*]`. The same machine always gives the same text.
 */
import { describeMachine, type MachineLike, stateIndex } from './definition.js'
import type { StateNodeView } from './types.js'

export interface DiagramOptions {
  /**
   * Whether edge labels name the guard: `done: readKey [isLocked]`.
   *
   * @default false
   */
  guards?: boolean
}

/**
 * @example
 * ```ts
 * import { lockMachine } from 'consul-lock-machine'
 * import { toMermaid } from 'consul-lock-machine/inspect'
 *
 * console.log(toMermaid(lockMachine)) // stateDiagram-v2 …
 * ```
 */
export function toMermaid(machine: MachineLike, options: DiagramOptions = {}): string {
  const root = describeMachine(machine)
  const names = diagramIds(root)
  const name = (id: string) => names.get(id) as string
  const lines = ['stateDiagram-v2']
  const declare = (node: StateNodeView, indent: string) => {
    const inner = `${indent}  `
    lines.push(`${indent}state "${node.key.replaceAll('"', "'")}" as ${name(node.id)}`)
    if (node.states.length === 0) return
    lines.push(`${indent}state ${name(node.id)} {`)
    if (node.type === 'parallel') {
      node.states.forEach((region, i) => {
        if (i > 0) lines.push(`${inner}--`)
        declare(region, inner)
      })
    } else {
      children(node, inner)
    }
    lines.push(`${indent}}`)
  }
  const children = (node: StateNodeView, indent: string) => {
    const initial = node.states.find((state) => state.key === node.initial)
    if (initial) lines.push(`${indent}[*] --> ${name(initial.id)}`)
    for (const child of node.states) {
      declare(child, indent)
      if (child.type === 'final') lines.push(`${indent}${name(child.id)} --> [*]`)
    }
  }
  children(root, '  ')
  for (const edge of edgesOf(root, options)) {
    lines.push(`  ${name(edge.source)} --> ${name(edge.target)} : ${escapeLabel(edge.labels.join(', '))}`)
  }
  return `${lines.join('\n')}\n`
}

/** One edge of a diagram: every transition from `source` to `target`, by their labels. */
export interface DiagramEdge {
  source: string
  target: string
  /** The distinct labels, in definition order. */
  labels: string[]
}

/**
 * The edges of a diagram, one per source and target pair, in definition order; a transition
 * without a target draws none. Shared with the DOT export.
 */
export function edgesOf(root: StateNodeView, options: DiagramOptions = {}): DiagramEdge[] {
  const edges = new Map<string, DiagramEdge>()
  for (const node of stateIndex(root).values()) {
    for (const transition of node.transitions) {
      const label =
        options.guards && transition.guard ? `${transition.label} [${transition.guard}]` : transition.label
      for (const target of transition.targets) {
        const key = JSON.stringify([node.id, target])
        const edge = edges.get(key) ?? { source: node.id, target, labels: [] }
        if (!edge.labels.includes(label)) edge.labels.push(label)
        edges.set(key, edge)
      }
    }
  }
  return [...edges.values()]
}

/**
 * Diagram-safe ids for every state node: the state id with `.` and other punctuation turned
 * into `_` (`lock.session.lock.held` → `lock_session_lock_held`), made unique with a suffix.
 * Shared with the DOT export.
 */
export function diagramIds(root: StateNodeView): Map<string, string> {
  const ids = new Map<string, string>()
  const taken = new Set<string>()
  for (const id of stateIndex(root).keys()) {
    const base = id.replace(/[^A-Za-z0-9_]/g, '_')
    let candidate = base
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`
    taken.add(candidate)
    ids.set(id, candidate)
  }
  return ids
}

/** Mermaid ends a label at a newline and reads `;` as a statement end; `#` starts an entity. */
function escapeLabel(label: string): string {
  return label
    .replace(/[\r\n]+/g, ' ')
    .replace(/;/g, ',')
    .replace(/#/g, '＃')
}
