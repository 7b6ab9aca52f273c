import { describe, expect, test } from 'vitest'
import { routeLib } from '../../../../src/inspect/page/routes.js'

const { sidesFor, pointOn, placeLabel, crossed, route } = routeLib()

const box = (left: number, top: number, width = 100, height = 30) => ({
  left,
  top,
  right: left + width,
  bottom: top + height,
})

describe('arrow sides', () => {
  test('boxes in one row are joined over the top going right, under the bottom going left', () => {
    expect(sidesFor(box(0, 0), box(200, 0))).toEqual(['top', 'top'])
    expect(sidesFor(box(200, 0), box(0, 0))).toEqual(['bottom', 'bottom'])
  })

  test('boxes one above the other are joined bottom to top', () => {
    expect(sidesFor(box(0, 0), box(20, 100))).toEqual(['bottom', 'top'])
    expect(sidesFor(box(20, 100), box(0, 0))).toEqual(['top', 'bottom'])
  })

  test('a box inside another is entered from the top', () => {
    expect(sidesFor(box(0, 0, 400, 300), box(50, 50))).toEqual(['bottom', 'top'])
  })

  test('an arc gets its label above it, a vertical arrow beside it', () => {
    expect(route({ x: 0, y: 0 }, 'top', { x: 200, y: 0 }, 'top').labelSide).toBe('above')
    expect(route({ x: 0, y: 0 }, 'bottom', { x: 10, y: 100 }, 'top').labelSide).toBe('right')
    expect(route({ x: 10, y: 100 }, 'top', { x: 0, y: 0 }, 'bottom').labelSide).toBe('left')
  })
})

describe('arrow ends', () => {
  test('spread evenly along a small box side', () => {
    const rect = box(0, 0, 116, 30)
    expect([0, 1, 2].map((slot) => pointOn(rect, 'top', slot, 3, false).x)).toEqual([33, 58, 83])
  })

  test('stay near the name of a big box', () => {
    const rect = box(0, 0, 1000, 800)
    expect(pointOn(rect, 'left', 0, 1, true).y).toBeLessThan(40)
  })
})

describe('labels', () => {
  test('move off a label already there', () => {
    const first = placeLabel({ x: 100, y: 100 }, 'center', 80, 14, [])
    const second = placeLabel({ x: 100, y: 100 }, 'center', 80, 14, [first])
    expect(second.top >= first.bottom || second.bottom <= first.top).toBe(true)
  })

  test('go to the least covered place when every place is taken', () => {
    const wall = box(0, 0, 400, 400)
    const placed = placeLabel({ x: 200, y: 200 }, 'above', 40, 14, [wall])
    expect(placed.right - placed.left).toBe(40)
  })
})

describe('detours', () => {
  test('find the boxes a straight arrow would cross', () => {
    const top = box(0, 0)
    const middle = box(0, 100)
    const bottom = box(0, 200)
    const aside = box(300, 100)
    expect(crossed(top, bottom, [middle, aside])).toEqual([middle])
    expect(crossed(top, aside, [bottom])).toEqual([])
  })
})
