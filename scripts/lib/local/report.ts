/**
 * The picture of one execution: a self-contained, offline HTML page with the state machine drawn
 * as a graph from its definition (laid out in the page by dagre, inlined), the path the execution
 * took, each state's duration, attempts and retries, the failing state and its error, and the
 * timeline as a bar chart. It takes a neutral input, the definition and the timeline entries, so
 * that `npm run local -- --report` (entries from the local engine) and `npm run watch -- --report`
 * (entries from GetExecutionHistory, see `HistoryTimeline`) draw the same page.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { causeSummary, formatTimeline, redact, type ExecutionStatus, type TimelineEntry } from './timeline';

/** How a state's visit ended. */
export type StateOutcome = 'succeeded' | 'failed' | 'caught' | 'aborted' | 'running';

/** One state of the definition, with what the execution did there. */
export interface StateSummary {
  readonly name: string;
  readonly type: string;
  /** Times the state was entered. */
  readonly visits: number;
  /** Task attempts: the first one plus the retries (0 when never entered). */
  readonly attempts: number;
  readonly retries: number;
  /** Time spent in the state, over all visits. */
  readonly durationMs?: number;
  /** Outcome of the last visit; undefined when never entered. */
  readonly outcome?: StateOutcome;
  /** The last error raised in the state. */
  readonly error?: string;
  readonly cause?: string;
  /** The state where the execution's error arose. */
  readonly failing: boolean;
}

/** A transition of the definition. */
export interface EdgeSummary {
  readonly from: string;
  readonly to: string;
  readonly kind: 'next' | 'catch' | 'choice';
  /** The execution went this way. */
  readonly taken: boolean;
}

/** One bar of the timeline: a visit of a state. */
export interface TimelineBar {
  readonly state: string;
  /** Milliseconds since the execution started. */
  readonly startMs: number;
  readonly endMs: number;
  readonly outcome: StateOutcome;
  readonly retries: number;
}

/** What the page shows. */
export interface RunSummary {
  readonly title: string;
  readonly status: ExecutionStatus;
  readonly error?: string;
  readonly cause?: string;
  readonly durationMs?: number;
  readonly startAt: string;
  readonly states: readonly StateSummary[];
  readonly edges: readonly EdgeSummary[];
  /** States in the order entered. */
  readonly path: readonly string[];
  readonly bars: readonly TimelineBar[];
  /** The readable timeline (`formatTimeline`), tokens redacted. */
  readonly lines: readonly string[];
}

interface AslState {
  readonly Type?: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Catch?: readonly { readonly Next?: string }[];
  readonly Choices?: readonly { readonly Next?: string }[];
}

/** The transitions of a definition (Next, Catch, Choice and Default). */
function transitions(states: Readonly<Record<string, AslState>>): Omit<EdgeSummary, 'taken'>[] {
  const edges: Omit<EdgeSummary, 'taken'>[] = [];
  for (const [from, state] of Object.entries(states)) {
    if (state.Next) edges.push({ from, to: state.Next, kind: 'next' });
    for (const c of state.Choices ?? []) if (c.Next) edges.push({ from, to: c.Next, kind: 'choice' });
    if (state.Default) edges.push({ from, to: state.Default, kind: 'choice' });
    for (const c of state.Catch ?? []) if (c.Next) edges.push({ from, to: c.Next, kind: 'catch' });
  }
  // One edge per pair: a Catch and a Next to the same state are drawn once, as the Next.
  return edges.filter((e, i) => edges.findIndex((o) => o.from === e.from && o.to === e.to) === i);
}

interface Visit {
  readonly state: string;
  readonly start: number;
  end?: number;
  outcome?: StateOutcome;
  retries: number;
  /** The last attempt failed (a history has no "caught" event: a failed state that exits was caught). */
  failed?: boolean;
}

/** Summarises an execution's timeline against its definition. */
export function summarizeRun(definition: Readonly<Record<string, unknown>>, entries: readonly TimelineEntry[], title: string): RunSummary {
  const states = (definition.States ?? {}) as Readonly<Record<string, AslState>>;
  const startedAt = entries[0]?.at ?? 0;
  const visits: Visit[] = [];
  const open = new Map<string, Visit>();
  const failures = new Map<string, { error: string; cause: string }>();
  let lastFailure: { state: string; error: string } | undefined;
  let ended: Extract<TimelineEntry, { kind: 'execution-ended' }> | undefined;
  const close = (state: string, at: number, outcome: StateOutcome): void => {
    const visit = open.get(state);
    if (!visit) return;
    visit.end = at;
    visit.outcome = outcome;
    open.delete(state);
  };
  for (const entry of entries) {
    switch (entry.kind) {
      case 'state-entered': {
        const visit: Visit = { state: entry.state, start: entry.at, retries: 0 };
        visits.push(visit);
        open.set(entry.state, visit);
        break;
      }
      case 'state-exited':
        close(entry.state, entry.at, open.get(entry.state)?.failed ? 'caught' : 'succeeded');
        break;
      case 'state-failed': {
        failures.set(entry.state, { error: entry.error, cause: entry.cause });
        lastFailure = { state: entry.state, error: entry.error };
        const visit = open.get(entry.state);
        if (visit) visit.failed = true;
        break;
      }
      case 'state-retried': {
        const visit = open.get(entry.state);
        if (visit) {
          visit.retries += 1;
          visit.failed = false;
        }
        break;
      }
      case 'state-caught':
        close(entry.state, entry.at, 'caught');
        break;
      case 'execution-ended':
        ended = entry;
        for (const state of [...open.keys()]) {
          // A Fail state ends the execution by design; a state still open otherwise failed there.
          const failedHere = entry.status !== 'SUCCEEDED' && (states[state]?.Type === 'Fail' || failures.has(state));
          close(state, entry.at, entry.status === 'SUCCEEDED' ? 'succeeded' : entry.status === 'ABORTED' && !failedHere ? 'aborted' : 'failed');
        }
        break;
      default:
        break;
    }
  }
  const now = entries.at(-1)?.at ?? startedAt;
  for (const visit of open.values()) {
    visit.end = now;
    visit.outcome = 'running';
  }
  const status: ExecutionStatus = ended?.status ?? 'RUNNING';
  const error = ended?.error;
  // Where the error arose: the last state that failed with the execution's error.
  const failingState = error === undefined ? undefined : ([...entries].reverse().find((e) => e.kind === 'state-failed' && e.error === error) as { state: string } | undefined)?.state ?? lastFailure?.state;
  const path = visits.map((v) => v.state);
  const taken = new Set(path.slice(1).map((to, i) => `${path[i]}\u0000${to}`));
  return {
    title,
    status,
    error,
    cause: ended?.cause,
    durationMs: ended?.durationMs,
    startAt: String(definition.StartAt ?? ''),
    states: Object.entries(states).map(([name, state]) => {
      const mine = visits.filter((v) => v.state === name);
      const retries = mine.reduce((sum, v) => sum + v.retries, 0);
      const failure = failures.get(name);
      return {
        name,
        type: state.Type ?? 'Unknown',
        visits: mine.length,
        attempts: mine.length === 0 ? 0 : mine.length + retries,
        retries,
        durationMs: mine.length === 0 ? undefined : mine.reduce((sum, v) => sum + ((v.end ?? v.start) - v.start), 0),
        outcome: mine.at(-1)?.outcome,
        error: failure?.error,
        cause: failure && failure.cause !== failure.error ? causeSummary(failure.cause) : undefined,
        failing: name === failingState,
      };
    }),
    edges: transitions(states).map((e) => ({ ...e, taken: taken.has(`${e.from}\u0000${e.to}`) })),
    path,
    bars: visits.map((v) => ({ state: v.state, startMs: v.start - startedAt, endMs: (v.end ?? v.start) - startedAt, outcome: v.outcome ?? 'running', retries: v.retries })),
    lines: formatTimeline(entries).split('\n'),
  };
}

/** dagre's browser build (graphlib included), read once, inlined into every page. */
let dagreSource: string | undefined;
function dagreBrowserBuild(): string {
  if (dagreSource === undefined) {
    const packageJson = createRequire(import.meta.url).resolve('@dagrejs/dagre/package.json');
    const source = readFileSync(join(dirname(packageJson), 'dist', 'dagre.min.js'), 'utf8');
    // The page is offline: no reference to a source map it does not carry.
    dagreSource = source.replace(/^\/\/# sourceMappingURL=.*$/m, '');
  }
  return dagreSource;
}

/** JSON that can sit inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1f2328; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.status { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; color: #fff; }
.status.SUCCEEDED { background: #1a7f37; } .status.FAILED, .status.TIMED_OUT { background: #cf222e; }
.status.ABORTED { background: #6e7781; } .status.RUNNING { background: #0969da; }
.error { color: #cf222e; font-weight: 600; }
svg text { font: 12px system-ui, sans-serif; }
.state rect { fill: #f6f8fa; stroke: #8c959f; stroke-width: 1.5; }
.state.on-path rect { fill: #dafbe1; stroke: #1a7f37; stroke-width: 3; }
.state.caught rect { fill: #fff8c5; stroke: #9a6700; }
.state.failed rect { fill: #ffebe9; stroke: #cf222e; stroke-width: 3; }
.state.failing rect { stroke-dasharray: 6 3; }
.state .name { font-weight: 600; } .state .meta { fill: #57606a; } .state .err { fill: #cf222e; font-weight: 600; }
.edge path { fill: none; stroke: #8c959f; stroke-width: 1.5; }
.edge.catch path { stroke-dasharray: 5 4; }
.edge.taken path { stroke: #1a7f37; stroke-width: 3; }
.edge text { fill: #57606a; }
table { border-collapse: collapse; } td, th { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; }
td.num { text-align: right; }
.bar.succeeded { fill: #2da44e; } .bar.caught { fill: #bf8700; } .bar.failed { fill: #cf222e; }
.bar.aborted { fill: #8c959f; } .bar.running { fill: #0969da; }
pre { background: #f6f8fa; padding: 12px; overflow-x: auto; font-size: 12px; }
`;

/**
 * Runs in the page: lays the graph out with dagre and draws it, then the timeline bars. Reads the
 * summary from `#run-data`; writes into `#graph` and `#timeline`.
 */
const RENDER = `
(function () {
  var run = JSON.parse(document.getElementById('run-data').textContent);
  var NS = 'http://www.w3.org/2000/svg';
  function el(name, attrs, parent, text) {
    var node = document.createElementNS(NS, name);
    for (var key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function secs(ms) { return (ms / 1000).toFixed(3) + ' s'; }
  var byName = {};
  run.states.forEach(function (s) { byName[s.name] = s; });
  var onPath = {};
  run.path.forEach(function (name) { onPath[name] = true; });

  var g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 50, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(function () { return {}; });
  function metaOf(s) {
    if (s.visits === 0) return s.type + ' \u00b7 not run';
    return s.type + ' \u00b7 ' + secs(s.durationMs) +
      (s.type === 'Task' ? ' \u00b7 ' + s.attempts + (s.attempts === 1 ? ' attempt' : ' attempts') : '') +
      (s.retries ? ' \u00b7 ' + s.retries + (s.retries === 1 ? ' retry' : ' retries') : '');
  }
  run.states.forEach(function (s) {
    var lines = s.error ? 3 : 2;
    var widest = Math.max(s.name.length * 8, metaOf(s).length * 6.6, s.error ? (s.error.length + 2) * 7.4 : 0);
    g.setNode(s.name, { width: Math.max(170, widest + 24), height: 22 + lines * 16 });
  });
  run.edges.forEach(function (e) { g.setEdge(e.from, e.to, { label: e.kind === 'catch' ? 'catch' : '', width: e.kind === 'catch' ? 40 : 0, height: 14 }); });
  dagre.layout(g);

  var size = g.graph();
  var svg = el('svg', { width: size.width, height: size.height, viewBox: '0 0 ' + size.width + ' ' + size.height, role: 'img', 'aria-label': 'state machine graph' }, document.getElementById('graph'));
  var defs = el('defs', {}, svg);
  var marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 10, markerHeight: 10, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' }, defs);
  el('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#57606a' }, marker);
  run.edges.forEach(function (e) {
    var points = g.edge(e.from, e.to).points;
    var group = el('g', { 'class': 'edge ' + e.kind + (e.taken ? ' taken' : ''), 'data-from': e.from, 'data-to': e.to }, svg);
    el('path', { d: points.map(function (p, i) { return (i ? 'L' : 'M') + p.x + ' ' + p.y; }).join(' '), 'marker-end': 'url(#arrow)' }, group);
    var label = g.edge(e.from, e.to);
    if (e.kind === 'catch') el('text', { x: label.x, y: label.y, 'text-anchor': 'middle' }, group, 'catch');
  });
  run.states.forEach(function (s) {
    var n = g.node(s.name);
    var classes = ['state'];
    if (onPath[s.name]) classes.push('on-path');
    if (s.outcome === 'caught') classes.push('caught');
    if (s.outcome === 'failed' || s.failing) classes.push('failed');
    if (s.failing) classes.push('failing');
    var group = el('g', { 'class': classes.join(' '), 'data-state': s.name, transform: 'translate(' + (n.x - n.width / 2) + ',' + (n.y - n.height / 2) + ')' }, svg);
    el('title', {}, group, s.name + (s.cause ? ': ' + s.cause : ''));
    el('rect', { width: n.width, height: n.height, rx: 8 }, group);
    el('text', { 'class': 'name', x: 10, y: 18 }, group, s.name);
    el('text', { 'class': 'meta', x: 10, y: 36 }, group, metaOf(s));
    if (s.error) el('text', { 'class': 'err', x: 10, y: 54 }, group, '\\u2716 ' + s.error);
  });

  var bars = run.bars;
  var total = Math.max(1, run.durationMs || 0, bars.reduce(function (m, b) { return Math.max(m, b.endMs); }, 0));
  var rowH = 26, left = 190, width = 640;
  var chart = el('svg', { width: left + width + 120, height: bars.length * rowH + 30, role: 'img', 'aria-label': 'timeline' }, document.getElementById('timeline'));
  for (var t = 0; t <= 4; t++) {
    var x = left + (width * t) / 4;
    el('line', { x1: x, x2: x, y1: 0, y2: bars.length * rowH, stroke: '#d0d7de' }, chart);
    el('text', { x: x, y: bars.length * rowH + 16, 'text-anchor': 'middle', fill: '#57606a' }, chart, secs((total * t) / 4));
  }
  bars.forEach(function (b, i) {
    var y = i * rowH + 4;
    var x = left + (width * b.startMs) / total;
    var w = Math.max(2, (width * (b.endMs - b.startMs)) / total);
    var row = el('g', { 'class': 'bar-row', 'data-state': b.state }, chart);
    el('text', { x: left - 8, y: y + 13, 'text-anchor': 'end' }, row, b.state);
    el('rect', { 'class': 'bar ' + b.outcome, x: x, y: y, width: w, height: rowH - 8, rx: 3 }, row);
    el('text', { x: x + w + 6, y: y + 13, fill: '#57606a' }, row, secs(b.endMs - b.startMs) + (b.retries ? ' (' + b.retries + (b.retries === 1 ? ' retry)' : ' retries)') : ''));
  });
  document.body.setAttribute('data-rendered', 'true');
})();
`;

/** Options of {@link buildReportPage}. */
export interface ReportPageInput {
  /** The ASL definition the execution ran (placeholders may remain). */
  readonly definition: Readonly<Record<string, unknown>>;
  /** The execution's timeline, oldest first. */
  readonly entries: readonly TimelineEntry[];
  /** e.g. the execution name or ARN. */
  readonly title: string;
}

/** The HTML page: one file, no network access, readable in any browser. */
export function buildReportPage(input: ReportPageInput): string {
  const run = redact(summarizeRun(input.definition, input.entries, input.title));
  const rows = run.states
    .map(
      (s) =>
        `<tr data-state="${escapeHtml(s.name)}"><td>${escapeHtml(s.name)}</td><td>${escapeHtml(s.type)}</td><td class="num">${s.visits}</td>` +
        `<td class="num">${s.attempts}</td><td class="num">${s.retries}</td><td class="num">${s.durationMs === undefined ? '' : `${(s.durationMs / 1000).toFixed(3)} s`}</td>` +
        `<td>${escapeHtml(s.outcome ?? 'not run')}${s.error ? ` <span class="error">${escapeHtml(s.error)}</span>` : ''}${s.cause ? `: ${escapeHtml(s.cause)}` : ''}</td></tr>`,
    )
    .join('\n');
  const headline = run.error
    ? `<p class="error" id="execution-error">${escapeHtml(run.error)}${run.cause && run.cause !== run.error ? `: ${escapeHtml(causeSummary(run.cause))}` : ''}</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(run.title)}: ${run.status}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(run.title)}</h1>
<p><span class="status ${run.status}" id="execution-status">${run.status}</span>${run.durationMs === undefined ? '' : ` in ${(run.durationMs / 1000).toFixed(3)} s`}; path: ${run.path.map(escapeHtml).join(' → ')}</p>
${headline}
<h2>State machine</h2>
<div id="graph"></div>
<h2>States</h2>
<table id="states"><thead><tr><th>state</th><th>type</th><th>visits</th><th>attempts</th><th>retries</th><th>duration</th><th>outcome</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Timeline</h2>
<div id="timeline"></div>
<h2>Events</h2>
<pre id="events">${escapeHtml(run.lines.join('\n'))}</pre>
<script id="run-data" type="application/json">${scriptJson(run)}</script>
<script>${dagreBrowserBuild()}</script>
<script>${RENDER}</script>
</body>
</html>
`;
}
