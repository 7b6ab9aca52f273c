/// <reference lib="dom" />
/**
 * The geometry of the chart's arrows: which sides of two boxes an arrow joins, where on a side
 * it starts, its curve, and where its label goes without covering another label. Boxes side by
 * side are joined by arcs over (forward) or under (backward) them, so labels sit in the gaps
 * between rows rather than on the boxes. Pure functions, run in the browser (inlined with
 * `Function.prototype.toString()`: nothing from outside its body).
 */

export interface Rect {
  left: number
  top: number
  right: number
  bottom: number
}
export interface Point {
  x: number
  y: number
}
export type Side = 'left' | 'right' | 'top' | 'bottom'
/** Where a label sits relative to its anchor point. */
export type LabelSide = 'above' | 'below' | 'left' | 'right' | 'center'

/** A drawn arrow: its SVG path, and the anchor and side of its label. */
export interface Route {
  d: string
  label: Point
  labelSide: LabelSide
}

/** Builds the arrow geometry functions. */
export function routeLib() {
  const OUTWARD: Record<Side, Point> = {
    left: { x: -1, y: 0 },
    right: { x: 1, y: 0 },
    top: { x: 0, y: -1 },
    bottom: { x: 0, y: 1 },
  }

  const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value))
  const round = (value: number) => Math.round(value * 10) / 10

  /**
   * The sides an arrow leaves and enters by: arcs over the top (forward, left to right) or under
   * the bottom (backward) for boxes in one row; bottom to top (or top to bottom) for boxes one
   * above the other; facing sides for the rest.
   */
  function sidesFor(from: Rect, to: Rect): [Side, Side] {
    const sameRow = from.top < to.bottom && to.top < from.bottom
    const sameColumn = from.left < to.right && to.left < from.right
    if (sameRow && !sameColumn) return from.right <= to.left ? ['top', 'top'] : ['bottom', 'bottom']
    if (from.bottom <= to.top) return ['bottom', 'top']
    if (to.bottom <= from.top) return ['top', 'bottom']
    // One box inside the other.
    return from.top <= to.top ? ['bottom', 'top'] : ['top', 'bottom']
  }

  /**
   * The point `slot` (0-based) of `count` spread along a side. A big box (`wide`) keeps its
   * points near its top-left corner, where its name is, rather than across its whole side.
   */
  function pointOn(rect: Rect, side: Side, slot: number, count: number, wide: boolean): Point {
    const fraction = (slot + 1) / (count + 1)
    if (side === 'left' || side === 'right') {
      const height = rect.bottom - rect.top - 12
      const span = wide ? Math.min(height, 24 + count * 12) : height
      return { x: side === 'left' ? rect.left : rect.right, y: rect.top + 6 + span * fraction }
    }
    const width = rect.right - rect.left - 16
    const span = wide ? Math.min(width, 80 + count * 28) : width
    return { x: rect.left + 8 + span * fraction, y: side === 'top' ? rect.top : rect.bottom }
  }

  function cubic(p1: Point, c1: Point, c2: Point, p2: Point, t: number): Point {
    const u = 1 - t
    const at = (a: number, b: number, c: number, d: number) =>
      u * u * u * a + 3 * u * u * t * b + 3 * u * t * t * c + t * t * t * d
    return { x: at(p1.x, c1.x, c2.x, p2.x), y: at(p1.y, c1.y, c2.y, p2.y) }
  }

  /**
   * The curve from `start` (leaving by side `out`) to `end` (entering by side `into`); `pull`,
   * how far its control points reach out of the boxes, is chosen from the distance unless given.
   */
  function route(start: Point, out: Side, end: Point, into: Side, pull?: number): Route {
    const distance = Math.hypot(end.x - start.x, end.y - start.y)
    const arc = out === into
    pull ??= arc ? clamp(Math.abs(end.x - start.x) * 0.3, 26, 56) : clamp(distance * 0.4, 20, 110)
    const c1 = { x: start.x + OUTWARD[out].x * pull, y: start.y + OUTWARD[out].y * pull }
    const c2 = { x: end.x + OUTWARD[into].x * pull, y: end.y + OUTWARD[into].y * pull }
    const d = `M${round(start.x)},${round(start.y)} C${round(c1.x)},${round(c1.y)} ${round(c2.x)},${round(c2.y)} ${round(end.x)},${round(end.y)}`
    const label = cubic(start, c1, c2, end, 0.5)
    if (arc) return { d, label, labelSide: out === 'top' ? 'above' : out === 'bottom' ? 'below' : 'center' }
    const vertical = (out === 'bottom' || out === 'top') && Math.abs(end.x - start.x) < 60
    if (vertical) return { d, label, labelSide: end.y > start.y ? 'right' : 'left' }
    return { d, label, labelSide: 'center' }
  }

  /** A loop over the top-right corner of a box, for a transition back into the same state. */
  function selfLoop(rect: Rect): Route {
    const x1 = rect.right - 26
    const y1 = rect.top
    const x2 = rect.right
    const y2 = rect.top + 14
    return {
      d: `M${round(x1)},${round(y1)} C${round(x1)},${round(y1 - 30)} ${round(x2 + 30)},${round(y2)} ${round(x2)},${round(y2)}`,
      label: { x: x2 + 4, y: y1 - 12 },
      labelSide: 'right',
    }
  }

  const centre = (rect: Rect): Point => ({ x: (rect.left + rect.right) / 2, y: (rect.top + rect.bottom) / 2 })

  /** The boxes of `obstacles` that the straight line between the centres of `from` and `to` crosses. */
  function crossed(from: Rect, to: Rect, obstacles: readonly Rect[]): Rect[] {
    const a = centre(from)
    const b = centre(to)
    const samples = Array.from({ length: 33 }, (_, i) => ({
      x: a.x + ((b.x - a.x) * i) / 32,
      y: a.y + ((b.y - a.y) * i) / 32,
    }))
    return obstacles.filter((rect) =>
      samples.some((p) => p.x > rect.left && p.x < rect.right && p.y > rect.top && p.y < rect.bottom),
    )
  }

  /**
   * A detour for an arrow whose straight line would cross other boxes: an arc out of the left
   * sides of both boxes, reaching `margin` px left of the leftmost box in its way. Its curve
   * reaches 3/4 of its pull, so the pull is 4/3 of the distance to clear.
   */
  function detour(start: Point, end: Point, obstacles: readonly Rect[], margin = 18): Route {
    const clearAt = Math.min(...obstacles.map((rect) => rect.left)) - margin
    const pull = ((Math.min(start.x, end.x) - clearAt) * 4) / 3
    return route(start, 'left', end, 'left', Math.max(pull, 24))
  }

  /** How much of `rect` the rects of `others` cover (their overlaps added up). */
  function covered(rect: Rect, others: readonly Rect[]): number {
    let area = 0
    for (const other of others) {
      const width = Math.min(rect.right, other.right) - Math.max(rect.left, other.left)
      const height = Math.min(rect.bottom, other.bottom) - Math.max(rect.top, other.top)
      if (width > 0 && height > 0) area += width * height
    }
    return area
  }

  /**
   * Where a `width`×`height` label goes: beside its anchor on its side, moved away (in the
   * directions its side allows) to the first place that covers none of `placed` (the labels and
   * state names already there), else to the place that covers the least of them.
   */
  function placeLabel(anchor: Point, side: LabelSide, width: number, height: number, placed: Rect[]): Rect {
    const gap = 3
    const left =
      side === 'right' ? anchor.x + gap : side === 'left' ? anchor.x - gap - width : anchor.x - width / 2
    const top =
      side === 'above' ? anchor.y - gap - height : side === 'below' ? anchor.y + gap : anchor.y - height / 2
    const steps =
      side === 'above' ? [0, -1, -2, -3, 1] : side === 'below' ? [0, 1, 2, 3, -1] : [0, 1, -1, 2, -2, 3, -3]
    let best: { rect: Rect; cover: number } | undefined
    for (const step of steps) {
      const shifted = top + step * (height / 2 + 2)
      const rect = { left, top: shifted, right: left + width, bottom: shifted + height }
      const cover = covered(rect, placed)
      if (cover === 0) return rect
      if (!best || cover < best.cover) best = { rect, cover }
    }
    return best?.rect ?? { left, top, right: left + width, bottom: top + height }
  }

  return { sidesFor, pointOn, route, selfLoop, placeLabel, crossed, detour }
}

export type Routes = ReturnType<typeof routeLib>
