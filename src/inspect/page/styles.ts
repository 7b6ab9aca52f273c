/**
 * The page's stylesheet: system fonts only, light and dark through `prefers-color-scheme`, one
 * colour per phase (held green, pending amber, suspect orange, releasing and destroying grey,
 * idle neutral), used alike by the badges, the actor list and the chart's highlight.
 */
export const PAGE_CSS = `
:root {
  color-scheme: light dark;
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
  --bg: #f3f5f8;
  --panel: #ffffff;
  --panel-2: #f7f8fa;
  --text: #1c2330;
  --muted: #667085;
  --faint: #98a2b3;
  --border: #dde2ea;
  --state-bg: #ffffff;
  --state-border: #c3cad6;
  --region-line: #b8c0cc;
  --accent: #2f6fde;
  --edge: #8d98aa;
  --held: #16803c;
  --held-soft: #dcf3e3;
  --pending: #b7791f;
  --pending-soft: #fcf0d4;
  --suspect: #d9570d;
  --suspect-soft: #fde4d3;
  --grey: #717b8c;
  --grey-soft: #e7eaef;
  --idle: #4b5565;
  --idle-soft: #eef1f5;
  --error: #c62f3a;
  --json-key: #7a3fb5;
  --json-string: #16803c;
  --json-number: #b25b00;
  --shadow: 0 1px 2px rgb(16 24 40 / 6%), 0 1px 3px rgb(16 24 40 / 8%);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117;
    --panel: #151b23;
    --panel-2: #10151c;
    --text: #e4e9f0;
    --muted: #9aa4b2;
    --faint: #6b7583;
    --border: #2a323d;
    --state-bg: #1a212b;
    --state-border: #3a4451;
    --region-line: #4a5563;
    --accent: #5b9cff;
    --edge: #6e7a8a;
    --held: #3fcf6b;
    --held-soft: #12351f;
    --pending: #f0b840;
    --pending-soft: #3b2c0b;
    --suspect: #ff8a3d;
    --suspect-soft: #40220e;
    --grey: #98a2b1;
    --grey-soft: #262e39;
    --idle: #c0c8d4;
    --idle-soft: #202833;
    --error: #ff6b74;
    --json-key: #c79bff;
    --json-string: #7ee2a0;
    --json-number: #ffb86b;
    --shadow: none;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body {
  font: 13px/1.45 var(--font);
  background: var(--bg);
  color: var(--text);
  display: flex;
  flex-direction: column;
}
h1, h2 { margin: 0; font-weight: 650; }
h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }

/* Header */
.top {
  display: flex; align-items: center; gap: 14px;
  padding: 10px 18px;
  background: var(--panel);
  border-bottom: 1px solid var(--border);
}
.top h1 { font-size: 15px; display: flex; align-items: baseline; gap: 8px; }
.top h1 .product { font-weight: 700; }
.top h1 .what { font-weight: 400; color: var(--muted); }
.logo { color: var(--accent); font-size: 16px; }
#counts { color: var(--muted); margin-left: auto; font-variant-numeric: tabular-nums; }
.connection {
  font-size: 12px; font-weight: 600; padding: 2px 10px; border-radius: 999px;
  border: 1px solid var(--border); color: var(--muted);
}
.connection::before { content: "●"; margin-right: 6px; }
.connection-live { color: var(--held); border-color: color-mix(in srgb, var(--held) 40%, transparent); }
.connection-reconnecting { color: var(--pending); border-color: var(--pending); background: var(--pending-soft); }
.connection-reconnecting::before { animation: blink 1s steps(2, start) infinite; }
@keyframes blink { to { visibility: hidden; } }
body.offline .layout { opacity: .72; }

/* Layout */
.layout {
  flex: 1; min-height: 0;
  display: grid;
  grid-template-columns: 320px minmax(0, 1fr) 400px;
  gap: 12px; padding: 12px;
}
.panel {
  background: var(--panel);
  border: 1px solid var(--border);
  border-radius: 10px;
  box-shadow: var(--shadow);
  min-height: 0; min-width: 0;
  display: flex; flex-direction: column;
}
.panel > h2, .panel-head { padding: 12px 14px 8px; }
.panel-head { display: flex; align-items: center; gap: 10px; }
.panel-head h2 { flex: 1; }
.side { display: grid; grid-template-rows: minmax(0, 2fr) minmax(0, 3fr); gap: 12px; min-height: 0; }
@media (max-width: 1280px) {
  .layout { grid-template-columns: 300px minmax(0, 1fr); grid-auto-rows: minmax(420px, auto); overflow: auto; }
  .side { grid-column: 1 / -1; grid-template-columns: 1fr 1fr; grid-template-rows: minmax(360px, 50vh); }
}
@media (max-width: 800px) {
  .layout { grid-template-columns: minmax(0, 1fr); }
  .side { grid-template-columns: minmax(0, 1fr); grid-template-rows: auto auto; }
}
.empty { color: var(--muted); padding: 12px 14px; margin: 0; list-style: none; }

/* Badges */
.tag {
  display: inline-block; font-size: 11px; font-weight: 600; line-height: 16px;
  padding: 0 7px; border-radius: 999px;
  border: 1px solid var(--border); color: var(--idle); background: var(--idle-soft);
}
.tag-held { color: var(--held); background: var(--held-soft); border-color: color-mix(in srgb, var(--held) 45%, transparent); }
.tag-pending { color: var(--pending); background: var(--pending-soft); border-color: color-mix(in srgb, var(--pending) 45%, transparent); }
.tag-suspect { color: var(--suspect); background: var(--suspect-soft); border-color: color-mix(in srgb, var(--suspect) 45%, transparent); }
.tag-releasing, .tag-destroying { color: var(--grey); background: var(--grey-soft); }
.dot { width: 10px; height: 10px; border-radius: 50%; flex: none; background: var(--idle); display: inline-block; }
.dot-held { background: var(--held); box-shadow: 0 0 0 3px var(--held-soft); }
.dot-pending { background: var(--pending); box-shadow: 0 0 0 3px var(--pending-soft); }
.dot-suspect { background: var(--suspect); box-shadow: 0 0 0 3px var(--suspect-soft); }
.dot-releasing, .dot-destroying, .dot-stopped, .dot-done { background: var(--grey); }
.dot-error { background: var(--error); }
.dot-idle { background: transparent; border: 2px solid var(--idle); }

/* Actor list */
#actors { list-style: none; margin: 0; padding: 0 8px 8px; overflow: auto; }
.actor {
  width: 100%; text-align: left; font: inherit; color: inherit; cursor: pointer;
  background: transparent; border: 1px solid transparent; border-left: 4px solid var(--border);
  border-radius: 8px; padding: 8px 10px; margin: 0 0 6px;
  display: flex; flex-direction: column; gap: 4px;
}
.actor:hover { background: var(--panel-2); }
.actor.selected { background: var(--panel-2); border-color: var(--border); }
.actor.phase-held { border-left-color: var(--held); }
.actor.phase-pending { border-left-color: var(--pending); }
.actor.phase-suspect { border-left-color: var(--suspect); }
.actor.phase-releasing, .actor.phase-destroying { border-left-color: var(--grey); }
.actor.phase-stopped, .actor.phase-done { opacity: .6; }
.actor.phase-error { border-left-color: var(--error); }
.actor-title, #selected-title { display: flex; align-items: center; gap: 8px; min-width: 0; }
.machine { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.subject { font-family: var(--mono); font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.status { margin-left: auto; font-size: 11px; color: var(--muted); }
.actor-tags { display: flex; flex-wrap: wrap; gap: 4px; align-items: center; }
.name { color: var(--faint); font-size: 11px; font-family: var(--mono); margin-left: auto; }
.actor-line { font-size: 12px; color: var(--muted); }
.actor-parent { font-size: 11px; color: var(--faint); }

/* Selected actor and chart */
.chart-panel { overflow: hidden; }
.selected-head { padding: 12px 16px 10px; border-bottom: 1px solid var(--border); }
#selected-title { font-size: 15px; text-transform: none; letter-spacing: 0; color: var(--text); }
#selected-title .subject { font-size: 15px; }
#selected-title .name { margin-left: 4px; }
#selected-summary { margin: 4px 0 0; font-size: 13px; color: var(--text); font-family: var(--mono); }
.chart-panel { --active: var(--accent); --active-soft: color-mix(in srgb, var(--accent) 14%, var(--state-bg)); }
.chart-panel[data-phase="held"] { --active: var(--held); --active-soft: var(--held-soft); }
.chart-panel[data-phase="pending"] { --active: var(--pending); --active-soft: var(--pending-soft); }
.chart-panel[data-phase="suspect"] { --active: var(--suspect); --active-soft: var(--suspect-soft); }
.chart-panel[data-phase="releasing"], .chart-panel[data-phase="destroying"] { --active: var(--grey); --active-soft: var(--grey-soft); }
.chart { flex: 1; overflow: auto; min-height: 0; position: relative; }
.chart-canvas { position: relative; padding: 20px 44px 44px 28px; }
.chart:not(.show-exits) .exits { display: none; }
.arrows { position: absolute; left: 0; top: 0; pointer-events: none; overflow: visible; }
.edge-labels { position: absolute; inset: 0; pointer-events: none; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; padding: 8px 16px; border-top: 1px solid var(--border); color: var(--muted); font-size: 11px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.legend i { display: inline-block; width: 18px; height: 12px; border-radius: 4px; border: 1.5px solid var(--state-border); }
.legend .l-active i { border: 1.5px solid var(--active); }
.legend .l-leaf i { border: 3px solid var(--active); background: var(--active-soft); }
.legend .l-final i { border: 4px double var(--state-border); }
.legend .l-region i { border: none; border-left: 2px dashed var(--region-line); border-radius: 0; }
.legend label { display: inline-flex; align-items: center; gap: 4px; margin-left: auto; cursor: pointer; }
.legend .l-far i { border: none; border-top: 2px dashed var(--edge); height: 0; border-radius: 0; }

.state {
  position: relative;
  background: var(--state-bg);
  border: 1.5px solid var(--state-border);
  border-radius: 10px;
  padding: 6px 10px 8px;
}
.state.leaf { min-width: 92px; }
.state-head { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; vertical-align: top; }
.state-name { font-weight: 650; font-size: 13px; }
.state-compound > .state-head .state-name, .state-parallel > .state-head .state-name { font-size: 12px; color: var(--muted); }
.kind { color: var(--faint); font-size: 12px; }
.children { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 46px 60px; padding: 16px 10px 10px 14px; }
.children > .state { max-width: 100%; }
.state.root { border: none; background: transparent; padding: 0; }
.state.root > .state-head .state-name { font-size: 14px; color: var(--text); }
.state.root > .children { padding: 14px 0 0 36px; }
.children.regions { flex-wrap: nowrap; gap: 0; padding: 8px 0 0; }
.state.region { border: none; border-radius: 0; background: transparent; padding: 4px 24px 12px; }
.state.region + .state.region { border-left: 2px dashed var(--region-line); }
.state.region > .state-head .state-name { font-style: italic; }
.state-final { border: 4px double var(--state-border); }
.state-history > .state-head .state-name::before { content: "H "; color: var(--faint); }
.initial-mark {
  width: 8px; height: 8px; border-radius: 50%; background: var(--text); flex: none; position: relative; margin-right: 8px;
}
.initial-mark::after {
  content: ""; position: absolute; left: 8px; top: 3.25px; width: 7px; height: 1.5px; background: var(--text);
}
.invokes { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 3px; }
.invoke {
  font: 11px var(--mono); color: var(--accent);
  border: 1px dashed color-mix(in srgb, var(--accent) 55%, transparent); border-radius: 4px; padding: 0 4px;
}
.exits { list-style: none; margin: 4px 0 0; padding: 0; max-width: 250px; font-size: 11px; }
.exits li { display: flex; flex-wrap: wrap; column-gap: 6px; line-height: 1.35; padding: 1px 0; cursor: default; }
.exits .target { font-family: var(--mono); color: var(--text); overflow-wrap: anywhere; }
.exits .event { color: var(--muted); }
.exits li.internal .target { color: var(--faint); }
.state.target-hint { box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 45%, transparent); }

.state.active { border-color: var(--active); }
.state.active > .state-head .state-name { color: var(--text); }
.state.active-leaf {
  border-width: 3px;
  background: var(--active-soft);
  box-shadow: 0 0 0 4px color-mix(in srgb, var(--active) 22%, transparent), 0 2px 10px color-mix(in srgb, var(--active) 30%, transparent);
}
.state.active-leaf > .state-head .state-name { color: var(--active); }
.state.active-leaf::after {
  content: "active"; position: absolute; top: -9px; right: 8px;
  font-size: 9px; font-weight: 700; letter-spacing: .06em; text-transform: uppercase;
  color: var(--panel); background: var(--active); border-radius: 999px; padding: 0 6px; line-height: 15px;
}

.edge { fill: none; stroke: var(--edge); stroke-width: 1.4; }
.edge-far { stroke-dasharray: 5 4; }
.edge-hot { stroke: var(--active); stroke-width: 2.2; }
.head { fill: var(--edge); }
.head-hot { fill: var(--active); }
.edge-label {
  position: absolute; white-space: nowrap;
  font: 10.5px/1.3 var(--mono); color: var(--muted);
  background: color-mix(in srgb, var(--panel) 88%, transparent);
  border-radius: 4px; padding: 1px 4px;
}
.edge-label-hot { color: var(--text); font-weight: 600; border: 1px solid var(--active); }
.edge-label .more { color: var(--faint); }

/* Context */
.context-panel { overflow: hidden; }
.context-body { overflow: auto; padding: 0 14px 12px; }
#facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 3px 12px; margin: 0 0 10px; }
#facts dt { color: var(--muted); }
#facts dd { margin: 0; font-family: var(--mono); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#facts dd.error { color: var(--error); white-space: normal; }
.context-body summary { cursor: pointer; color: var(--muted); font-size: 12px; }
.json, #context {
  font: 11.5px/1.5 var(--mono); margin: 6px 0 0; padding: 8px 10px;
  background: var(--panel-2); border: 1px solid var(--border); border-radius: 6px;
  white-space: pre; overflow: auto;
}
.json-key { color: var(--json-key); }
.json-string { color: var(--json-string); }
.json-number, .json-bigint { color: var(--json-number); }
.json-boolean, .json-null { color: var(--accent); }

/* Timeline */
.timeline-panel { overflow: hidden; }
#timeline-filter {
  font: inherit; font-size: 12px; color: var(--text); background: var(--panel-2);
  border: 1px solid var(--border); border-radius: 6px; padding: 2px 6px; max-width: 60%;
}
#timeline { list-style: none; margin: 0; padding: 0 0 8px; overflow: auto; flex: 1; }
.entry {
  display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0 10px; align-items: baseline;
  padding: 5px 14px 6px; border-top: 1px solid var(--border);
}
.entry time { font: 11px var(--mono); color: var(--faint); font-variant-numeric: tabular-nums; }
.entry-who { font: 11px var(--mono); color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.entry-kind { display: none; }
.entry-summary { grid-column: 1 / -1; min-width: 0; overflow-wrap: anywhere; padding-left: 16px; text-indent: -16px; }
.entry-summary::before { display: inline-block; width: 16px; text-indent: 0; color: var(--faint); }
.entry-event .entry-summary::before { content: "⇢"; color: var(--accent); }
.entry-transition .entry-summary::before { content: "→"; color: var(--held); }
.entry-actor .entry-summary::before { content: "+"; }
.entry-stopped .entry-summary::before { content: "■"; }
.entry-transition .entry-summary { font-weight: 600; }
.entry details summary { color: var(--faint); font-size: 11px; cursor: pointer; }
`
