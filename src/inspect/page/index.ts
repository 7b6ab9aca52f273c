/**
 * The inspector's web page: one self-contained HTML document (inline CSS and JS, system fonts,
 * nothing fetched but the page's own `events` stream), so it works in closed networks.
 *
 * The script is the type-checked functions of this folder, inlined with
 * `Function.prototype.toString()`: each library is a factory that uses nothing from outside its
 * body, and gets the libraries it needs as arguments. The same code therefore runs from the
 * sources (vitest) and from the bundle (tsup).
 */
import { chartLib } from './chart.js'
import { clientMain } from './client.js'
import { domLib } from './dom.js'
import { routeLib } from './routes.js'
import { PAGE_CSS } from './styles.js'
import { summaryLib } from './summary.js'

const SCRIPT = `"use strict";
const dom = (${domLib.toString()})();
const summary = (${summaryLib.toString()})();
const routes = (${routeLib.toString()})();
const chart = (${chartLib.toString()})(dom, routes);
(${clientMain.toString()})({ dom, summary, chart });
`

const BODY = `
<header class="top">
  <h1><span class="logo" aria-hidden="true">◆</span><span class="product">consul-lock-machine</span><span class="what">inspector</span></h1>
  <span id="counts"></span>
  <span id="connection" class="connection" role="status" aria-live="polite">connecting</span>
</header>
<main class="layout">
  <aside class="panel actors-panel" aria-label="Actors">
    <h2>Actors</h2>
    <ul id="actors"></ul>
  </aside>
  <section id="chart-panel" class="panel chart-panel" aria-label="Statechart">
    <div class="selected-head">
      <h2 id="selected-title">No actor selected</h2>
      <p id="selected-summary"></p>
    </div>
    <div id="chart" class="chart"></div>
    <div class="legend">
      <span class="l-active"><i></i>active</span>
      <span class="l-leaf"><i></i>active leaf</span>
      <span class="l-final"><i></i>final</span>
      <span class="l-region"><i></i>parallel regions</span>
      <span class="l-far"><i></i>far transition: drawn while its state is active or hovered</span>
      <label><input type="checkbox" id="show-exits"> list them in the boxes</label>
    </div>
  </section>
  <div class="side">
    <section class="panel context-panel" aria-label="Context">
      <h2>Context</h2>
      <div class="context-body">
        <dl id="facts"></dl>
        <details open><summary>full context (redacted)</summary><pre id="context"></pre></details>
      </div>
    </section>
    <section class="panel timeline-panel" aria-label="Timeline">
      <div class="panel-head"><h2>Timeline</h2><select id="timeline-filter" aria-label="Filter by actor"></select></div>
      <ol id="timeline"></ol>
    </section>
  </div>
</main>`

/** Keeps inlined text from closing its `<script>` or `<style>` element early. */
const inline = (text: string) => text.replace(/<\/(script|style)/gi, '<\\/$1')

/** The inspector's page, served at the inspector's URL. */
export function renderPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>consul-lock-machine inspector</title>
<style>${inline(PAGE_CSS)}</style>
</head>
<body>${BODY}
<script>${inline(SCRIPT)}</script>
</body>
</html>
`
}
