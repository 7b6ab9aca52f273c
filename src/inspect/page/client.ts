/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The page's live part: follows `events` (server-sent events: `state`, then `update`s), keeps the
 * actors and the timeline, and renders the actor list, the selected actor's chart and context,
 * and the timeline. EventSource reconnects by itself after a server restart; the next `state`
 * event then replaces everything shown. Runs in the browser (inlined with
 * `Function.prototype.toString()`): nothing from outside its body but the injected libraries.
 */
import type { ActorView, InspectorState, InspectorUpdate, StateNodeView, TimelineEntry } from '../types.js'
import type { Chart, ChartLib } from './chart.js'
import type { Dom } from './dom.js'
import type { Summary } from './summary.js'

/** The libraries the page builds before starting the client. */
export interface ClientLibs {
  dom: Dom
  summary: Summary
  chart: ChartLib
}

/** Starts the page: connects to `events` and renders into the page's skeleton. */
export function clientMain({ dom, summary, chart: charts }: ClientLibs): void {
  const { h, replace } = dom
  /** Timeline rows kept in the DOM (the server bounds what it keeps, too). */
  const MAX_ROWS = 300
  /** Ended actors kept in the list, the latest ones. */
  const MAX_ENDED = 50

  const byId = <T extends HTMLElement>(id: string): T => {
    const element = document.getElementById(id)
    if (!element) throw new Error(`inspector page: #${id} is missing`)
    return element as T
  }
  const ui = {
    connection: byId('connection'),
    counts: byId('counts'),
    actors: byId('actors'),
    title: byId('selected-title'),
    line: byId('selected-summary'),
    chartPanel: byId('chart-panel'),
    chart: byId('chart'),
    facts: byId('facts'),
    context: byId('context'),
    timeline: byId('timeline'),
    filter: byId<HTMLSelectElement>('timeline-filter'),
    showExits: byId<HTMLInputElement>('show-exits'),
  }

  const actors = new Map<string, ActorView>()
  /** When each actor's set of active leaves last changed (epoch ms), and that set. */
  const since = new Map<string, { leaves: string; at: number }>()
  let timeline: TimelineEntry[] = []
  let selectedId: string | undefined
  /** The chart on screen, and the active leaves it last scrolled to. */
  let shownChart: { actorId: string; definition: StateNodeView; chart: Chart; followed: string } | undefined
  /** When the user last scrolled the chart: it follows the active state only when left alone. */
  let userScrolledAt = 0
  const FOLLOW_AFTER_MS = 10_000

  const listed = () => [...actors.values()].filter((actor) => actor.definition !== undefined)

  /** The actor and its descendants, for the timeline filter. */
  function familyOf(rootId: string): Set<string> {
    const family = new Set([rootId])
    let grown = true
    while (grown) {
      grown = false
      for (const actor of actors.values()) {
        if (actor.parentId && family.has(actor.parentId) && !family.has(actor.id)) {
          family.add(actor.id)
          grown = true
        }
      }
    }
    return family
  }

  function noteActivity(actor: ActorView, fallbackAt: number): void {
    const leaves = summary.activeLeaves(actor.activeStateIds).join(' ')
    const known = since.get(actor.id)
    if (!known || known.leaves !== leaves) since.set(actor.id, { leaves, at: fallbackAt })
  }

  function lineOf(actor: ActorView): string {
    return summary.summarize(actor, since.get(actor.id)?.at ?? actor.updatedAt, Date.now(), listed())
  }

  function tagChips(actor: ActorView): HTMLElement[] {
    return actor.tags.map((tag) => h('span', { class: `tag tag-${tag}` }, tag))
  }

  function renderCounts(): void {
    const machines = listed()
    const count = (phase: string) => machines.filter((actor) => summary.phaseOf(actor) === phase).length
    const parts = [`${machines.length} actor${machines.length === 1 ? '' : 's'}`]
    for (const phase of ['held', 'pending', 'suspect']) {
      const n = count(phase)
      if (n > 0) parts.push(`${n} ${phase}`)
    }
    ui.counts.textContent = parts.join(' · ')
  }

  function renderActorList(): void {
    const machines = listed()
    if (machines.length === 0) {
      replace(ui.actors, h('li', { class: 'empty' }, 'No actors yet. Pass inspector.inspect to a lock.'))
      return
    }
    replace(
      ui.actors,
      ...machines.map((actor) => {
        const phase = summary.phaseOf(actor)
        const parent = actor.parentId ? actors.get(actor.parentId) : undefined
        return h(
          'li',
          {},
          h(
            'button',
            {
              type: 'button',
              class: `actor phase-${phase}${actor.id === selectedId ? ' selected' : ''}`,
              'data-actor-id': actor.id,
              'aria-pressed': actor.id === selectedId ? 'true' : 'false',
            },
            h(
              'div',
              { class: 'actor-title' },
              h('span', { class: `dot dot-${phase}` }),
              h('span', { class: 'machine' }, actor.machineId ?? 'actor'),
              h('span', { class: 'subject' }, summary.subjectOf(actor)),
              actor.status === 'active' ? null : h('span', { class: 'status' }, actor.status),
            ),
            h('div', { class: 'actor-tags' }, ...tagChips(actor), h('span', { class: 'name' }, actor.name)),
            h('div', { class: 'actor-line' }, lineOf(actor)),
            parent ? h('div', { class: 'actor-parent' }, `↳ in ${parent.name}`) : null,
          ),
        )
      }),
    )
  }

  /** Pretty JSON with its keys, strings and numbers marked for colour. */
  function jsonNodes(value: unknown, indent = ''): (HTMLElement | string)[] {
    if (value === null || typeof value !== 'object') {
      const kind = value === null ? 'null' : typeof value
      return [h('span', { class: `json-${kind}` }, JSON.stringify(value) ?? String(value))]
    }
    const inner = `${indent}  `
    if (Array.isArray(value)) {
      if (value.length === 0) return ['[]']
      return [
        '[\n',
        ...value.flatMap((item, i) => [
          inner,
          ...jsonNodes(item, inner),
          i < value.length - 1 ? ',\n' : '\n',
        ]),
        `${indent}]`,
      ]
    }
    const entries = Object.entries(value)
    if (entries.length === 0) return ['{}']
    return [
      '{\n',
      ...entries.flatMap(([key, item], i) => [
        inner,
        h('span', { class: 'json-key' }, JSON.stringify(key)),
        ': ',
        ...jsonNodes(item, inner),
        i < entries.length - 1 ? ',\n' : '\n',
      ]),
      `${indent}}`,
    ]
  }

  function renderSelected(): void {
    const actor = selectedId ? actors.get(selectedId) : undefined
    if (!actor?.definition) {
      replace(ui.title, 'No actor selected')
      replace(ui.line)
      replace(ui.chart, h('p', { class: 'empty' }, 'Waiting for a machine to inspect…'))
      replace(ui.facts)
      replace(ui.context)
      shownChart?.chart.dispose()
      shownChart = undefined
      return
    }
    const phase = summary.phaseOf(actor)
    replace(
      ui.title,
      h('span', { class: `dot dot-${phase}` }),
      h('span', { class: 'machine' }, actor.machineId ?? 'actor'),
      h('span', { class: 'subject' }, summary.subjectOf(actor)),
      ...tagChips(actor),
      h('span', { class: 'name' }, `${actor.name} · ${actor.status}`),
    )
    ui.line.textContent = lineOf(actor)
    ui.chartPanel.dataset.phase = phase
    const isNew = shownChart?.actorId !== actor.id || shownChart.definition !== actor.definition
    if (!shownChart || isNew) {
      shownChart?.chart.dispose()
      const chart = charts.createChart(actor.definition)
      replace(ui.chart, chart.element)
      shownChart = { actorId: actor.id, definition: actor.definition, chart, followed: '' }
    }
    shownChart.chart.setActive(actor.activeStateIds)
    // Keep the state that tells what the actor is doing in view, unless the user is looking around.
    const telling = summary.tellingLeaves(actor.activeStateIds)
    const followed = telling.join(' ')
    if (isNew || (followed !== shownChart.followed && Date.now() - userScrolledAt > FOLLOW_AFTER_MS)) {
      shownChart.chart.reveal(telling[0] ?? '')
    }
    shownChart.followed = followed
    replace(
      ui.facts,
      ...summary
        .factsOf(actor)
        .flatMap((fact) => [
          h('dt', {}, fact.label),
          h('dd', { class: fact.error ? 'error' : null, title: fact.value }, fact.value),
        ]),
    )
    replace(ui.context, ...jsonNodes(actor.context))
  }

  function renderFilter(): void {
    const current = ui.filter.value
    replace(
      ui.filter,
      h('option', { value: '' }, 'all actors'),
      ...listed().map((actor) =>
        h(
          'option',
          { value: actor.id },
          `${actor.machineId ?? 'actor'} ${summary.subjectOf(actor)} (${actor.name})`,
        ),
      ),
    )
    ui.filter.value = [...ui.filter.options].some((option) => option.value === current) ? current : ''
  }

  function timelineRow(entry: TimelineEntry): HTMLElement {
    const actor = actors.get(entry.actorId)
    const payload =
      entry.event !== undefined
        ? h('details', {}, h('summary', {}, 'event'), h('pre', { class: 'json' }, ...jsonNodes(entry.event)))
        : null
    return h(
      'li',
      { class: `entry entry-${entry.kind}`, 'data-seq': entry.seq },
      h('time', { datetime: new Date(entry.at).toISOString() }, summary.formatTime(entry.at)),
      h(
        'span',
        { class: 'entry-who', title: entry.actorId },
        actor ? `${summary.subjectOf(actor)} (${actor.name})` : entry.actorId,
      ),
      h('span', { class: 'entry-kind' }, entry.kind),
      h('div', { class: 'entry-summary' }, entry.summary, payload),
    )
  }

  function shownInTimeline(entry: TimelineEntry, family: Set<string> | undefined): boolean {
    return family === undefined || family.has(entry.actorId)
  }

  function renderTimeline(): void {
    const family = ui.filter.value ? familyOf(ui.filter.value) : undefined
    const rows = timeline
      .filter((entry) => shownInTimeline(entry, family))
      .slice(-MAX_ROWS)
      .reverse()
      .map(timelineRow)
    replace(ui.timeline, ...(rows.length > 0 ? rows : [h('li', { class: 'empty' }, 'No events yet.')]))
  }

  function addTimelineEntry(entry: TimelineEntry): void {
    timeline.push(entry)
    if (timeline.length > MAX_ROWS * 2) timeline = timeline.slice(-MAX_ROWS)
    const family = ui.filter.value ? familyOf(ui.filter.value) : undefined
    if (!shownInTimeline(entry, family)) return
    ui.timeline.querySelector('li.empty')?.remove()
    ui.timeline.insertBefore(timelineRow(entry), ui.timeline.firstChild)
    while (ui.timeline.children.length > MAX_ROWS) ui.timeline.lastElementChild?.remove()
  }

  /** Keeps the selection across a restart: the same machine on the same key, else the first one. */
  function reselect(previous: ActorView | undefined): void {
    if (selectedId && actors.get(selectedId)?.definition) return
    const machines = listed()
    const same = previous
      ? machines.find(
          (actor) =>
            actor.machineId === previous.machineId &&
            summary.subjectOf(actor) === summary.subjectOf(previous) &&
            actor.name === previous.name,
        )
      : undefined
    selectedId = (same ?? machines.find((actor) => actor.status === 'active') ?? machines[0])?.id
  }

  function renderAll(): void {
    renderCounts()
    renderActorList()
    renderFilter()
    renderSelected()
    renderTimeline()
  }

  function applyState(state: InspectorState): void {
    const previous = selectedId ? actors.get(selectedId) : undefined
    actors.clear()
    since.clear()
    timeline = state.timeline.slice(-MAX_ROWS)
    for (const actor of state.actors) {
      actors.set(actor.id, actor)
      const changed = [...timeline]
        .reverse()
        .find((entry) => entry.actorId === actor.id && entry.kind === 'transition')
      noteActivity(actor, changed?.at ?? actor.updatedAt)
    }
    if (selectedId && !actors.has(selectedId)) selectedId = undefined
    reselect(previous)
    renderAll()
  }

  /** Drops the oldest ended actors beyond `MAX_ENDED` (never the selected one). */
  function forgetEnded(): void {
    const ended = [...actors.values()].filter((actor) => actor.status !== 'active' && actor.id !== selectedId)
    for (const actor of ended.slice(0, Math.max(0, ended.length - MAX_ENDED))) {
      actors.delete(actor.id)
      since.delete(actor.id)
    }
  }

  function applyUpdate(update: InspectorUpdate): void {
    if (update.type === 'timeline') {
      addTimelineEntry(update.entry)
      return
    }
    const known = actors.get(update.actor.id)
    const actor = { ...update.actor, definition: update.actor.definition ?? known?.definition }
    const isNewMachine = actor.definition !== undefined && known?.definition === undefined
    actors.set(actor.id, actor)
    noteActivity(actor, actor.updatedAt)
    forgetEnded()
    reselect(undefined)
    renderCounts()
    renderActorList()
    if (isNewMachine) renderFilter()
    if (actor.id === selectedId) renderSelected()
  }

  function setConnection(state: 'connecting' | 'live' | 'reconnecting'): void {
    ui.connection.className = `connection connection-${state}`
    ui.connection.textContent = state === 'reconnecting' ? 'reconnecting…' : state
    document.body.classList.toggle('offline', state !== 'live')
  }

  function connect(): void {
    setConnection('connecting')
    const source = new EventSource('events')
    source.addEventListener('open', () => setConnection('live'))
    source.addEventListener('state', (event) => {
      setConnection('live')
      applyState(JSON.parse((event as MessageEvent<string>).data) as InspectorState)
    })
    source.addEventListener('update', (event) => {
      applyUpdate(JSON.parse((event as MessageEvent<string>).data) as InspectorUpdate)
    })
    source.addEventListener('error', () => {
      setConnection('reconnecting')
      // EventSource retries by itself unless the server answered with something else than a stream.
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000)
    })
  }

  ui.actors.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('[data-actor-id]') : null
    const id = button?.getAttribute('data-actor-id')
    if (!id || id === selectedId) return
    selectedId = id
    renderActorList()
    renderSelected()
  })
  ui.filter.addEventListener('change', renderTimeline)
  for (const type of ['wheel', 'pointerdown', 'keydown', 'touchstart']) {
    ui.chart.addEventListener(type, () => {
      userScrolledAt = Date.now()
    })
  }
  ui.showExits.addEventListener('change', () => ui.chart.classList.toggle('show-exits', ui.showExits.checked))
  // The "for 12 s" of every summary line.
  setInterval(() => {
    for (const element of ui.actors.querySelectorAll<HTMLElement>('[data-actor-id]')) {
      const actor = actors.get(element.getAttribute('data-actor-id') ?? '')
      const line = element.querySelector('.actor-line')
      if (actor && line) line.textContent = lineOf(actor)
    }
    const selected = selectedId ? actors.get(selectedId) : undefined
    if (selected) ui.line.textContent = lineOf(selected)
  }, 1000)

  connect()
}
