import { describe, expect, test } from 'vitest'
import { lockMachine } from '../../../../machines/lock.machine.js'
import { describeMachine } from '../../../../src/inspect/definition.js'
import { chartLib } from '../../../../src/inspect/page/chart.js'
import { domLib } from '../../../../src/inspect/page/dom.js'
import { renderPage } from '../../../../src/inspect/page/index.js'
import { routeLib } from '../../../../src/inspect/page/routes.js'

const scriptOf = (html: string) => /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? ''

describe('the page', () => {
  const html = renderPage()

  test('is one document that loads nothing from anywhere', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).not.toMatch(/\s(src|href)=/i)
    expect(html).not.toMatch(/@import|url\((?!#)/i)
    // The only absolute URL is the SVG namespace, which is a name, not a fetch.
    expect(html.match(/https?:\/\/[^\s'"`]+/g) ?? []).toEqual(['http://www.w3.org/2000/svg'])
  })

  test('inlines a script that parses and depends on no module system', () => {
    const script = scriptOf(html)
    expect(script).toContain('new EventSource("events")')
    expect(() => new Function(script)).not.toThrow()
    expect(script).not.toMatch(/__vite|__vi_|\brequire\(|\bimport\(|\bexports\./)
  })
})

describe('the chart edges of the lock machine', () => {
  const { edgesOf } = chartLib(domLib(), routeLib())
  const edges = edgesOf(describeMachine(lockMachine))
  const edge = (source: string, target: string) =>
    edges.find((candidate) => candidate.source === source && candidate.target === target)

  test('are drawn between siblings, labelled with their events', () => {
    expect(edge('lock.idle', 'lock.creatingSession')).toMatchObject({ reach: 'near', labels: ['ACQUIRE'] })
  })

  test('are drawn on demand when they jump across the chart', () => {
    expect(edge('lock.session.lock.held', 'lock.releasing')).toMatchObject({
      reach: 'far',
      events: ['RELEASE', 'CANCEL'],
    })
  })

  test('loop back for a re-entered state, with the guard shown', () => {
    expect(edge('lock.session.lock.pending.waiting', 'lock.session.lock.pending.waiting')).toMatchObject({
      reach: 'self',
      labels: ['done: readKey [isLocked]'],
    })
  })
})
