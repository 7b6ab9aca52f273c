/**
 * consul-lock-machine/inspect: the offline live view of running statecharts, the diagram
 * exports, and the adapter for Stately's inspector. An explicit export list.
 */

export { describeMachine, type MachineLike } from './definition.js'
export { toDot } from './dot.js'
export { createInspector, type Inspector, type InspectorOptions } from './inspector.js'
export { type DiagramOptions, toMermaid } from './mermaid.js'
export { redact } from './redact.js'
export {
  createStatelyInspector,
  type StatelyInspector,
  type StatelyInspectorOptions,
} from './stately.js'
export type {
  ActorView,
  InspectorState,
  InspectorUpdate,
  StateNodeView,
  TimelineEntry,
  TransitionView,
} from './types.js'
