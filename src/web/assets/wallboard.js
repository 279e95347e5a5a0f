/**
 * The wallboard: today's figures from the native statistics (`POST /api/stats/count`, from
 * local midnight, hourly series) and the extras of `GET /api/wallboard`, refetched on every
 * queue event (SSE) and every few seconds (so "today" and the EWT move without events).
 * Cells carry `data-queue` / `data-field` so tests read the same figures people see.
 */
import { api, debounce, duration, el, explain, openEvents, QUEUE_EVENTS, signIn, startClocks } from './common.js';

const REFRESH_MS = 5000;
const SVG_NS = 'http://www.w3.org/2000/svg';
const pct = (ratio) => `${Math.round(ratio * 100)}%`;
const secs = (ms) => duration(ms);

const startOfToday = () => { const d = new Date(); d.setHours(0, 0, 0, 0); return d.getTime(); };
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** 'amber' / 'red' when `value` passes the pair (or falls below it when `below`). */
function level(value, limits, below = false) {
  if (!limits) return '';
  const past = (limit) => (below ? value < limit : value >= limit);
  return past(limits.red) ? 'red' : past(limits.amber) ? 'amber' : '';
}

function num(queue, field, text, cls = '', since) {
  return el('td', { class: `num ${cls}`, 'data-queue': queue, 'data-field': field, ...(since ? { 'data-since': since } : {}) }, text);
}

function notReadySummary(byReason, labels) {
  return Object.entries(byReason).map(([code, n]) => `${labels.get(code) ?? code} ${n}`).join(', ');
}

/** One row: `f` = Live Queue figures, `b` = wallboard extras (thresholds absent for the total). */
function row(id, name, f, b, labels, now) {
  const t = b.thresholds;
  const slKnown = f.answered > 0;
  const notReady = Object.values(b.notReadyByReason).reduce((a, n) => a + n, 0);
  return el('tr', { class: id === '*' ? 'total' : '' },
    el('td', {}, name),
    num(id, 'waiting', f.queueSize, level(f.queueSize, t?.waiting)),
    num(id, 'longestWait', f.queueSize ? secs(f.longestWaitMs) : '–', level(f.longestWaitMs / 1000, t?.longestWaitS), f.queueSize ? now - f.longestWaitMs : undefined),
    num(id, 'serviceLevel', slKnown ? pct(f.serviceLevel) : '–', slKnown ? level(f.serviceLevel * 100, t?.serviceLevelPct, true) : ''),
    num(id, 'serviceLevelWithAbandons', f.answered + f.abandoned ? pct(f.serviceLevelWithAbandons) : '–'),
    num(id, 'offered', f.TC),
    num(id, 'answered', f.answered),
    num(id, 'abandoned', f.abandoned),
    num(id, 'avgWait', secs(f.avgWaitMs)),
    num(id, 'handleTime', secs(f.AHT)),
    num(id, 'ewt', b.ewtMs === undefined ? '–' : secs(b.ewtMs)),
    num(id, 'ready', f.ready),
    num(id, 'onCall', f.onC, '', undefined),
    num(id, 'wrapup', f.wrapup),
    el('td', { class: 'num', 'data-queue': id, 'data-field': 'notReady' }, notReady, el('small', {}, notReadySummary(b.notReadyByReason, labels))),
    num(id, 'loggedOut', b.loggedOut));
}

function tile(label, value, sub = '', cls = '', field) {
  return el('div', { class: `tile ${cls}`, role: 'group', 'aria-label': label },
    el('div', { class: 'label' }, label), el('div', { class: 'value', 'data-tile': field }, value), el('div', { class: 'sub' }, sub));
}

function renderTiles(o, extras, slLimits) {
  const notReady = Object.values(extras.notReadyByReason).reduce((a, n) => a + n, 0);
  document.getElementById('tiles').replaceChildren(
    tile('Waiting', o.queueSize, o.queueSize ? `longest ${secs(o.longestWaitMs)}` : 'nobody waiting', '', 'waiting'),
    tile('Service level', o.answered ? pct(o.serviceLevel) : '–', `with abandons ${o.answered + o.abandoned ? pct(o.serviceLevelWithAbandons) : '–'}`, o.answered ? level(o.serviceLevel * 100, slLimits, true) : '', 'serviceLevel'),
    tile('Offered', o.TC, 'today', '', 'offered'),
    tile('Answered', o.answered, `avg wait ${secs(o.avgWaitMs)}`, '', 'answered'),
    tile('Abandoned', o.abandoned, '', o.abandoned ? 'amber' : '', 'abandoned'),
    tile('Ready', o.ready, `${extras.ringing} ringing`, '', 'ready'),
    tile('On call', o.onC, `${o.wrapup} wrap-up · AHT ${secs(o.AHT)}`, '', 'onCall'),
    tile('Not ready', notReady, `${extras.loggedOut} logged out`, '', 'notReady'));
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Bars of calls per hour (offered, answered) and a service-level line, 24 hours of today. */
function renderChart(series) {
  const chart = document.getElementById('chart');
  const W = 1000, H = 200, top = 12, base = H - 22;
  chart.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const byHour = new Map(series.map((p) => [new Date(p.bucket).getHours(), p]));
  const max = Math.max(1, ...series.map((p) => p.TC));
  const slot = W / 24;
  const nodes = [svg('line', { x1: 0, x2: W, y1: base, y2: base, stroke: '#4b5563' })];
  const line = [];
  for (let h = 0; h < 24; h++) {
    const p = byHour.get(h);
    const x = h * slot;
    nodes.push(svg('text', { x: x + slot / 2, y: H - 6, fill: '#9ca3af', 'font-size': 11, 'text-anchor': 'middle' }, String(h).padStart(2, '0')));
    if (!p) continue;
    const hOf = (n) => ((base - top) * n) / max;
    nodes.push(svg('rect', { x: x + slot * 0.15, width: slot * 0.35, y: base - hOf(p.TC), height: hOf(p.TC), fill: '#3b82f6' }, `${p.TC} offered`));
    nodes.push(svg('rect', { x: x + slot * 0.5, width: slot * 0.35, y: base - hOf(p.answered), height: hOf(p.answered), fill: '#93c5fd' }));
    if (p.answered) line.push(`${x + slot / 2},${base - (base - top) * p.serviceLevel}`);
  }
  if (line.length) nodes.push(svg('polyline', { points: line.join(' '), fill: 'none', stroke: '#fbbf24', 'stroke-width': 3 }));
  for (const point of line) {
    const [cx, cy] = point.split(',');
    nodes.push(svg('circle', { cx, cy, r: 5, fill: '#fbbf24' }));
  }
  chart.replaceChildren(...nodes);
}

let labels = new Map();

async function refresh() {
  try {
    const [count, extras] = await Promise.all([
      api('/api/stats/count', { method: 'POST', body: { filter: { from: startOfToday() }, groupBy: 'hourly', timeZone } }),
      api('/api/wallboard'),
    ]);
    const now = Date.now();
    const { overall, queues } = count.data;
    const rows = extras.queues.filter((q) => queues[q.id]).map((q) => row(q.id, q.name, queues[q.id], q, labels, now));
    const ewts = extras.queues.map((q) => q.ewtMs);
    rows.push(row('*', 'All queues', overall, { ...extras.overall, ewtMs: ewts.length ? Math.max(...ewts) : undefined }, labels, now));
    document.getElementById('queues').replaceChildren(...rows);
    renderTiles(overall, extras.overall, extras.queues[0]?.thresholds.serviceLevelPct);
    renderChart(count.data.series ?? []);
    document.getElementById('message').textContent = '';
  } catch (err) {
    document.getElementById('message').textContent = `Could not load the figures: ${explain(err)}`;
  }
}

async function main() {
  const reasons = await signIn(() => api('/api/reasons').then(async (r) => { await api('/api/wallboard'); return r; }));
  labels = new Map([...reasons.notReady, ...reasons.logout].map((r) => [r.code, r.label]));
  document.getElementById('board').hidden = false;
  document.getElementById('today').textContent = new Date().toLocaleDateString();
  const clock = document.getElementById('clock');
  const showTime = () => { clock.textContent = new Date().toLocaleTimeString(); };
  showTime();
  setInterval(showTime, 1000);
  await refresh();
  const later = debounce(refresh, 300);
  const [queues, agents] = await Promise.all([api('/api/queues'), api('/api/agents')]);
  await openEvents({ queues: queues.map((q) => q.id), agents: agents.map((a) => a.id) }, QUEUE_EVENTS, later, later);
  setInterval(refresh, REFRESH_MS);
  startClocks();
}

main().catch((err) => { document.getElementById('message').textContent = explain(err); document.getElementById('board').hidden = false; });
