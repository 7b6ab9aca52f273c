/**
 * `toDot(machine)`: a machine's statechart as Graphviz DOT, from the same definition and edges as
 * `toMermaid`. Compound and parallel states are clusters (parallel ones dashed), each with a
 * point node that edges to and from the state attach to; initial states are marked by an edge
 * from that point, final states have a double border.
 */
import { describeMachine, type MachineLike } from './definition.js'
import { type DiagramOptions, diagramIds, edgesOf } from './mermaid.js'
import type { StateNodeView } from './types.js'

/**
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs'
 * writeFileSync('lock.dot', toDot(lockMachine)) // then: dot -Tsvg lock.dot > lock.svg
 * ```
 */
export function toDot(machine: MachineLike, options: DiagramOptions = {}): string {
  const root = describeMachine(machine)
  const names = diagramIds(root)
  const name = (id: string) => names.get(id) as string
  const composite = new Set<string>()
  const parents = new Map<string, string>()
  const lines = [
    `digraph ${quote(root.key)} {`,
    '  compound=true',
    '  fontname="Helvetica"',
    '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11]',
    '  edge [fontname="Helvetica", fontsize=9]',
  ]
  const declare = (node: StateNodeView, indent: string) => {
    if (node.states.length === 0) {
      const final = node.type === 'final' ? ', peripheries=2' : ''
      lines.push(`${indent}${name(node.id)} [label=${quote(node.key)}${final}]`)
      return
    }
    composite.add(node.id)
    const style = node.type === 'parallel' ? 'rounded,dashed' : 'rounded'
    lines.push(
      `${indent}subgraph cluster_${name(node.id)} {`,
      `${indent}  label=${quote(node.key)}; style="${style}"`,
    )
    contents(node, `${indent}  `)
    lines.push(`${indent}}`)
  }
  const contents = (node: StateNodeView, indent: string) => {
    // The point edges to and from this state attach to; the initial marker of a compound state.
    const initial = node.states.find((state) => state.key === node.initial)
    const point = initial ? 'shape=point, width=0.1' : 'shape=point, style=invis'
    lines.push(`${indent}${name(node.id)} [${point}]`)
    for (const child of node.states) {
      parents.set(child.id, node.id)
      declare(child, indent)
    }
    if (initial) lines.push(`${indent}${name(node.id)} -> ${name(initial.id)}`)
  }
  const within = (id: string, ancestor: string) => {
    for (let at: string | undefined = id; at !== undefined; at = parents.get(at))
      if (at === ancestor) return true
    return false
  }
  contents(root, '  ')
  for (const edge of edgesOf(root, options)) {
    const attributes = [`label=${quote(edge.labels.join(', '))}`]
    if (composite.has(edge.source) && !within(edge.target, edge.source)) {
      attributes.push(`ltail=cluster_${name(edge.source)}`)
    }
    if (composite.has(edge.target) && !within(edge.source, edge.target)) {
      attributes.push(`lhead=cluster_${name(edge.target)}`)
    }
    // An edge to or from a compound state attaches to its point, clipped at its cluster's border.
    lines.push(`  ${name(edge.source)} -> ${name(edge.target)} [${attributes.join(', ')}]`)
  }
  lines.push('}')
  return `${lines.join('\n')}\n`
}

function quote(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`
}
