/// <reference lib="dom" />
/**
 * The statechart drawing: nested boxes for the state tree (parallel regions side by side with
 * dashed separators, initial markers, final states, tags, invoked actors) and SVG arrows for the
 * transitions, laid over the boxes once the browser has placed them. Transitions between sibling
 * states are always drawn; the ones that jump across levels are drawn only while their state is
 * active or hovered (and can be listed in their state's box, "→ target EVENT"), so the chart shows
 * what can happen next without turning into a tangle. Runs in the browser (inlined with
 * `Function.prototype.toString()`): nothing from outside its body but the injected libraries.
 */
import type { StateNodeView } from '../types.js'
import type { Dom } from './dom.js'
import type { Point, Rect, Route, Routes, Side } from './routes.js'

/** One arrow: every transition from `source` to `target`, grouped. */
export interface Edge {
  source: string
  target: string
  /** One line per transition: `done: readKey [isHeldByUs]`. */
  labels: string[]
  /** The distinct labels without their guards: `done: readKey`. */
  events: string[]
  /** `near`: drawn always; `far`: listed in the box, drawn while its source is active or hovered. */
  reach: 'self' | 'near' | 'far'
}

/** A drawn chart, kept for one actor's definition. */
export interface Chart {
  element: HTMLElement
  /** Highlights the active states (all levels; the atomic ones strongest) and their arrows. */
  setActive(activeIds: readonly string[]): void
  /** Lays the arrows out again (after a resize). */
  redraw(): void
  /** Scrolls the state's box into the middle of the view. */
  reveal(id: string): void
  dispose(): void
}

/** Builds the chart renderer over the page's DOM helpers and the arrow geometry. */
export function chartLib(dom: Dom, routes: Routes) {
  const { h, svg } = dom

  const parentOf = (id: string) => id.slice(0, Math.max(0, id.lastIndexOf('.')))
  const within = (id: string, ancestor: string) => id === ancestor || id.startsWith(`${ancestor}.`)

  function commonAncestor(a: string, b: string): string {
    let at = parentOf(a)
    while (at && !within(b, at)) at = parentOf(at)
    return at
  }

  /** A target's name as seen from the source: its path below their common ancestor. */
  function relativeName(source: string, target: string): string {
    if (source === target) return target.slice(target.lastIndexOf('.') + 1)
    const common = commonAncestor(source, target)
    return common ? target.slice(common.length + 1) : target
  }

  function labelOf(transition: StateNodeView['transitions'][number]): string {
    return transition.guard ? `${transition.label} [${transition.guard}]` : transition.label
  }

  /**
   * Every arrow of a definition, grouped by source and target. An arrow is `near` (always drawn)
   * between siblings; the others are `far`.
   */
  function edgesOf(root: StateNodeView): Edge[] {
    const edges = new Map<string, Edge>()
    const visit = (node: StateNodeView) => {
      for (const transition of node.transitions) {
        for (const target of transition.targets) {
          const key = `${node.id}→${target}`
          let edge = edges.get(key)
          if (!edge) {
            const reach =
              target === node.id ? 'self' : parentOf(target) === parentOf(node.id) ? 'near' : 'far'
            edge = { source: node.id, target, labels: [], events: [], reach }
            edges.set(key, edge)
          }
          const label = labelOf(transition)
          if (!edge.labels.includes(label)) edge.labels.push(label)
          if (!edge.events.includes(transition.label)) edge.events.push(transition.label)
        }
      }
      for (const child of node.states) visit(child)
    }
    visit(root)
    return [...edges.values()]
  }

  /** The tooltip of a state: every transition it takes, one a line. */
  function describeTransitions(node: StateNodeView): string {
    const lines = node.transitions.map((transition) => {
      const targets = transition.targets.map((target) => relativeName(node.id, target)).join(', ')
      return `${labelOf(transition)} → ${targets || '(stays)'}`
    })
    return [node.id, ...lines].join('\n')
  }

  function tagChip(tag: string): HTMLElement {
    return h('span', { class: `tag tag-${tag}` }, tag)
  }

  /** The box of one state node and, inside it, its children's. */
  function stateBox(
    node: StateNodeView,
    parent: StateNodeView | undefined,
    far: Map<string, Edge[]>,
    boxes: Map<string, HTMLElement>,
  ): HTMLElement {
    const isInitial = parent?.type === 'compound' && parent.initial === node.key
    const classes = ['state', `state-${node.type}`]
    if (!parent) classes.push('root')
    if (parent?.type === 'parallel') classes.push('region')
    if (node.states.length === 0) classes.push('leaf')
    const head = h(
      'div',
      { class: 'state-head', title: describeTransitions(node) },
      isInitial ? h('span', { class: 'initial-mark', title: 'initial state' }) : null,
      h('span', { class: 'state-name' }, node.key),
      node.type === 'parallel' ? h('span', { class: 'kind', title: 'parallel state' }, '∥') : null,
      node.type === 'final' ? h('span', { class: 'kind', title: 'final state' }, '◉') : null,
      ...node.tags.map(tagChip),
    )
    const invokes =
      node.invokes.length > 0
        ? h(
            'div',
            { class: 'invokes' },
            ...node.invokes.map((src) => h('span', { class: 'invoke', title: `invokes ${src}` }, `⟳ ${src}`)),
          )
        : null
    const internal = [...new Set(node.transitions.filter((t) => t.targets.length === 0).map((t) => t.label))]
    const listed = far.get(node.id) ?? []
    const exits =
      listed.length + internal.length > 0
        ? h(
            'ul',
            { class: 'exits' },
            ...listed.map((edge) =>
              h(
                'li',
                { 'data-target': edge.target, title: edge.labels.join('\n') },
                h('span', { class: 'target' }, `→ ${relativeName(edge.source, edge.target)}`),
                h('span', { class: 'event' }, edge.events.join(' · ')),
              ),
            ),
            internal.length > 0
              ? h(
                  'li',
                  { class: 'internal', title: 'handled without leaving the state' },
                  h('span', { class: 'target' }, '↺'),
                  h('span', { class: 'event' }, internal.join(' · ')),
                )
              : null,
          )
        : null
    const children =
      node.states.length > 0
        ? h(
            'div',
            { class: node.type === 'parallel' ? 'children regions' : 'children' },
            ...node.states.map((child) => stateBox(child, node, far, boxes)),
          )
        : null
    const box = h(
      'div',
      { class: classes.join(' '), 'data-state-id': node.id },
      head,
      invokes,
      exits,
      children,
    )
    if (isInitial) box.classList.add('initial')
    boxes.set(node.id, box)
    return box
  }

  function createChart(root: StateNodeView): Chart {
    const edges = edgesOf(root)
    const far = new Map<string, Edge[]>()
    for (const edge of edges) {
      if (edge.reach === 'far') far.set(edge.source, [...(far.get(edge.source) ?? []), edge])
    }
    const boxes = new Map<string, HTMLElement>()
    const tree = stateBox(root, undefined, far, boxes)
    /** Each state's siblings (itself excluded), for routing arrows around them. */
    const siblingsOf = new Map<string, string[]>()
    const collectSiblings = (node: StateNodeView) => {
      for (const child of node.states) {
        siblingsOf.set(
          child.id,
          node.states.filter((other) => other !== child).map((other) => other.id),
        )
        collectSiblings(child)
      }
    }
    collectSiblings(root)
    const arrows = svg('svg', { class: 'arrows', 'aria-hidden': 'true' })
    const labels = h('div', { class: 'edge-labels', 'aria-hidden': 'true' })
    const element = h('div', { class: 'chart-canvas' }, tree, arrows, labels)
    let active = new Set<string>()
    let hovered: string | undefined

    const defs = svg('defs')
    for (const kind of ['plain', 'hot', 'far']) {
      const marker = svg('marker', {
        id: `arrow-${kind}`,
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto-start-reverse',
      })
      marker.appendChild(svg('path', { d: 'M0,0 L10,5 L0,10 z', class: `head head-${kind}` }))
      defs.appendChild(marker)
    }

    const isLive = (edge: Edge) => active.has(edge.source)
    const isShown = (edge: Edge) =>
      edge.reach !== 'far' || isLive(edge) || (hovered !== undefined && within(edge.source, hovered))

    /** Where an element is, relative to the canvas the arrows are drawn on. */
    function rectOf(target: Element, origin: DOMRect): Rect {
      const r = target.getBoundingClientRect()
      return {
        left: r.left - origin.left,
        top: r.top - origin.top,
        right: r.right - origin.left,
        bottom: r.bottom - origin.top,
      }
    }

    /** The boxes' places, and the places of their names and badges (which labels keep clear of). */
    function measure(): { rects: Map<string, Rect>; names: Rect[] } {
      const origin = element.getBoundingClientRect()
      const rects = new Map<string, Rect>()
      const names: Rect[] = []
      for (const [id, box] of boxes) {
        const rect = rectOf(box, origin)
        rects.set(id, rect)
        const name = box.querySelector(':scope > .state-head')
        if (name) names.push(rectOf(name, origin))
        // The "active" badge on the top-right corner of an active leaf.
        if (box.classList.contains('active-leaf')) {
          names.push({ left: rect.right - 64, top: rect.top - 10, right: rect.right, bottom: rect.top + 6 })
        }
      }
      return { rects, names }
    }

    /** The route of every shown arrow, with the arrows sharing a side of a box spread along it. */
    function plan(rects: Map<string, Rect>): { edge: Edge; route: Route }[] {
      const loops: { edge: Edge; route: Route }[] = []
      const lines: { edge: Edge; out: Side; into: Side; start: Point; end: Point; obstacles: Rect[] }[] = []
      const ends = new Map<string, { point: Point; order: number }[]>()
      const across = (rect: Rect, side: Side) =>
        side === 'left' || side === 'right' ? (rect.top + rect.bottom) / 2 : (rect.left + rect.right) / 2
      const endAt = (id: string, side: Side, order: number): Point => {
        const point = { x: 0, y: 0 }
        const key = `${id}|${side}`
        ends.set(key, [...(ends.get(key) ?? []), { point, order }])
        return point
      }
      for (const edge of edges.filter(isShown)) {
        const from = rects.get(edge.source)
        const to = rects.get(edge.target)
        if (!from || !to) continue
        if (edge.reach === 'self') {
          loops.push({ edge, route: routes.selfLoop(from) })
          continue
        }
        // Siblings in the way of an arrow between rows: go round them by the left. (In one row,
        // the arcs over and under the boxes clear them already.)
        const sameRow = from.top < to.bottom && to.top < from.bottom
        const siblings = edge.reach === 'near' && !sameRow ? (siblingsOf.get(edge.source) ?? []) : []
        const obstacles = routes.crossed(
          from,
          to,
          siblings.filter((id) => id !== edge.target).flatMap((id) => rects.get(id) ?? []),
        )
        const [out, into] = obstacles.length > 0 ? (['left', 'left'] as const) : routes.sidesFor(from, to)
        const start = endAt(edge.source, out, across(to, out))
        const end = endAt(edge.target, into, across(from, into))
        lines.push({ edge, out, into, start, end, obstacles })
      }
      for (const [key, points] of ends) {
        const [id = '', side] = key.split('|') as [string, Side]
        const rect = rects.get(id)
        if (!rect) continue
        const wide = !boxes.get(id)?.classList.contains('leaf')
        points.sort((a, b) => a.order - b.order)
        for (const [slot, { point }] of points.entries()) {
          Object.assign(point, routes.pointOn(rect, side, slot, points.length, wide))
        }
      }
      return [
        ...loops,
        ...lines.map((line) => ({
          edge: line.edge,
          route:
            line.obstacles.length > 0
              ? routes.detour(line.start, line.end, line.obstacles)
              : routes.route(line.start, line.out, line.end, line.into),
        })),
      ]
    }

    /**
     * A label's lines: one per transition (three at most) where it has room above or below its
     * arrow, else one line beside a vertical arrow, cut short.
     */
    function labelLines(edge: Edge, route: Route): HTMLElement[] {
      if (route.labelSide === 'left' || route.labelSide === 'right') {
        const line = edge.labels.join(' · ')
        return [h('div', {}, line.length > 44 ? `${line.slice(0, 43)}…` : line)]
      }
      const lines = edge.labels.slice(0, 3).map((line) => h('div', {}, line))
      if (edge.labels.length > 3) lines.push(h('div', { class: 'more' }, `+${edge.labels.length - 3} more`))
      return lines
    }

    function redraw(): void {
      arrows.replaceChildren(defs)
      labels.replaceChildren()
      arrows.setAttribute('width', String(element.scrollWidth))
      arrows.setAttribute('height', String(element.scrollHeight))
      const { rects, names } = measure()
      const placed: Rect[] = [...names]
      // The live arrows first: their labels get the best places, and as each path goes in below
      // the ones before it, they end up drawn over the others.
      const planned = plan(rects).sort((a, b) => Number(isLive(b.edge)) - Number(isLive(a.edge)))
      for (const { edge, route } of planned) {
        const kind = isLive(edge) ? 'hot' : edge.reach === 'far' ? 'far' : 'plain'
        const path = svg('path', {
          d: route.d,
          class: `edge edge-${kind}`,
          'marker-end': `url(#arrow-${kind})`,
        })
        arrows.insertBefore(path, defs.nextSibling)
        const label = h('div', { class: `edge-label edge-label-${kind}` }, ...labelLines(edge, route))
        labels.appendChild(label)
        const rect = routes.placeLabel(
          route.label,
          route.labelSide,
          label.offsetWidth,
          label.offsetHeight,
          placed,
        )
        placed.push(rect)
        label.style.left = `${Math.max(0, rect.left)}px`
        label.style.top = `${Math.max(0, rect.top)}px`
      }
    }

    function setActive(activeIds: readonly string[]): void {
      active = new Set(activeIds)
      for (const [id, box] of boxes) {
        const on = active.has(id)
        box.classList.toggle('active', on)
        box.classList.toggle('active-leaf', on && !activeIds.some((other) => other.startsWith(`${id}.`)))
      }
      redraw()
    }

    const onHover = (event: Event) => {
      const target = event.target instanceof Element ? event.target : null
      const exit = target?.closest('li[data-target]')
      for (const box of boxes.values()) box.classList.remove('target-hint')
      if (exit) boxes.get(exit.getAttribute('data-target') ?? '')?.classList.add('target-hint')
      const id = target?.closest('[data-state-id]')?.getAttribute('data-state-id') ?? undefined
      const over = id === root.id ? undefined : id
      if (over !== hovered) {
        hovered = over
        redraw()
      }
    }
    const onLeave = () => {
      for (const box of boxes.values()) box.classList.remove('target-hint')
      hovered = undefined
      redraw()
    }
    tree.addEventListener('mouseover', onHover)
    tree.addEventListener('mouseleave', onLeave)
    const resizes = new ResizeObserver(() => redraw())
    resizes.observe(tree)

    return {
      element,
      setActive,
      redraw,
      reveal(id) {
        boxes.get(id)?.scrollIntoView({ block: 'center', inline: 'nearest' })
      },
      dispose() {
        resizes.disconnect()
      },
    }
  }

  return { createChart, edgesOf }
}

export type ChartLib = ReturnType<typeof chartLib>
