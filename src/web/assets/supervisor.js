/**
 * The supervisor console: every agent (state, time in state, current call and queue) with
 * monitor / whisper / barge and forced states, waiting callers (priority, withdraw), queue
 * membership and pause, and call recordings played in the page. Live over the event stream
 * (SSE): each event refetches the snapshots, so a reconnect restores everything. Supervisor
 * commands go over CTI REST (`/api/cti/supervisors/<id>/<command>`).
 */
import { api, apiKey, debounce, duration, el, explain, openEvents, QUEUE_EVENTS, sessionLogin, startClocks } from './common.js';

const SESSION = 'acd-supervisor-session';
const $ = (id) => document.getElementById(id);
let me = { id: '', phone: '' };
let reasons = { notReady: [], logout: [] };
/** Priorities typed but not yet sent survive redraws. */
const typedPriority = new Map();

function showError(text) {
  $('message').textContent = text;
}

/** Runs an action; a refusal is shown in the engine's words. */
async function act(what, fn) {
  try {
    const result = await fn();
    showError('');
    refreshSoon();
    return result;
  } catch (err) {
    showError(`${what}: ${explain(err)}`);
    return undefined;
  }
}

const supervisorCommand = (command, data = {}) => api(`/api/cti/supervisors/${encodeURIComponent(me.id)}/${command}`, { method: 'POST', body: { data } });
const post = (url, body = {}) => api(url, { method: 'POST', body });
const enc = encodeURIComponent;

function monitorButtons(a, monitor) {
  const onCall = a.status === 'busy' && a.callId;
  const label = (verb) => ({ 'aria-label': `${verb} ${a.name}`, disabled: !onCall || !me.phone || undefined });
  return ['monitor', 'whisper', 'barge'].map((mode) =>
    el('button', { ...label(mode[0].toUpperCase() + mode.slice(1)), class: monitor?.agentId === a.id && monitor.mode === mode ? 'primary' : '', onclick: () => act(`${mode} ${a.name}`, () => supervisorCommand(mode, { agentId: a.id, endpoint: me.phone })) }, mode[0].toUpperCase() + mode.slice(1)));
}

function forceButtons(a) {
  const force = (state, text) => el('button', {
    'aria-label': `${text} ${a.name}`,
    disabled: a.status === state || (state !== 'logged_out' && a.status === 'logged_out') || undefined,
    onclick: () => act(`${text} ${a.name}`, () => supervisorCommand('forceState', { agentId: a.id, state, ...(state === 'not_ready' ? { reason: $('force-reason').value } : {}) })),
  }, text);
  return [force('ready', 'Force ready'), force('not_ready', 'Force not ready'), force('logged_out', 'Force logout')];
}

function renderAgents(agents, calls, monitor) {
  const byId = new Map(calls.map((c) => [c.id, c]));
  const reasonLabel = (code) => [...reasons.notReady, ...reasons.logout].find((r) => r.code === code)?.label ?? code;
  $('agents').replaceChildren(...agents.map((a) => {
    const call = byId.get(a.callId);
    return el('tr', { 'data-agent': a.id },
      el('td', {}, a.name, ' ', el('small', { class: 'muted' }, `(${a.id})`)),
      el('td', {}, el('span', { class: `status ${a.status}` }, a.status.replace(/_/g, ' ')),
        // The status the agent asked for the end of its call (AgentPendingStatus).
        a.pending ? el('small', { class: 'pending muted' }, ` then ${a.pending.status.replace(/_/g, ' ')}${a.pending.reason ? ` (${reasonLabel(a.pending.reason)})` : ''}`) : '',
        // A talk whose record Redis lost (src/acd/lostTalks.ts): on the phone, offered no call until it ends.
        a.lostTalk ? el('small', { class: 'lost-talk', title: 'The engine lost the record of this call (Redis data loss); no call is offered until it ends' }, ' on a call with no record') : ''),
      el('td', {}, a.reason ? reasonLabel(a.reason) : ''),
      el('td', { class: 'num', 'data-since': a.since }, duration(Date.now() - a.since)),
      el('td', {}, call ? `${call.callerNumber || 'unknown'}${call.callerName ? ` ${call.callerName}` : ''} · ${call.queue}` : a.callId ? a.callId : ''),
      el('td', {}, a.queues.join(', ')),
      el('td', {}, el('div', { class: 'row' }, ...monitorButtons(a, monitor), ...forceButtons(a))));
  }));
}

function renderWaiting(calls) {
  const waiting = calls.filter((c) => c.state === 'waiting').sort((a, b) => b.priority - a.priority || a.joinedAt - b.joinedAt);
  if (!waiting.length) return $('waiting').replaceChildren(el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'Nobody is waiting.')));
  $('waiting').replaceChildren(...waiting.map((c) => {
    const who = c.callerNumber || c.id;
    const input = el('input', { type: 'number', min: 0, 'aria-label': `Priority of ${who}`, oninput: () => typedPriority.set(c.id, input.value) });
    input.value = typedPriority.get(c.id) ?? String(c.priority);
    return el('tr', { 'data-call': c.id },
      el('td', {}, c.queue),
      el('td', {}, who, c.callerName ? ` ${c.callerName}` : ''),
      el('td', { class: 'num', 'data-since': c.joinedAt }, duration(Date.now() - c.joinedAt)),
      el('td', { class: 'num' }, c.priority),
      el('td', {}, el('div', { class: 'row' }, input,
        el('button', { 'aria-label': `Set priority of ${who}`, onclick: () => act('Set priority', async () => { await post(`/api/calls/${enc(c.id)}/priority`, { priority: Number(input.value) }); typedPriority.delete(c.id); }) }, 'Set priority'),
        el('button', { 'aria-label': `Withdraw ${who}`, onclick: () => act('Withdraw', () => post(`/api/calls/${enc(c.id)}/withdraw`)) }, 'Withdraw'))));
  }));
}

function renderQueues(queues, members, agents) {
  const names = new Map(agents.map((a) => [a.id, a.name]));
  $('queues').replaceChildren(...queues.map((q, i) => {
    const list = members[i];
    const inQueue = new Set(list.map((m) => m.agentId));
    const add = el('select', { 'aria-label': `Agent to add to ${q.name}` }, agents.filter((a) => !inQueue.has(a.id)).map((a) => el('option', { value: a.id }, a.name)));
    return el('div', { class: 'queue-block', 'data-queue': q.id },
      el('h3', {}, `${q.name} — ${q.waiting} waiting`),
      el('table', { 'aria-label': `Members of ${q.name}` }, el('tbody', {}, list.map((m) => {
        const name = names.get(m.agentId) ?? m.agentId;
        return el('tr', {},
          el('td', {}, name),
          el('td', {}, m.paused ? `paused${m.reason ? ` (${m.reason})` : ''}` : 'active'),
          el('td', {}, el('div', { class: 'row' },
            m.paused
              ? el('button', { 'aria-label': `Unpause ${name} in ${q.name}`, onclick: () => act('Unpause', () => post(`/api/queues/${enc(q.id)}/members/${enc(m.agentId)}/unpause`)) }, 'Unpause')
              : el('button', { 'aria-label': `Pause ${name} in ${q.name}`, onclick: () => act('Pause', () => post(`/api/queues/${enc(q.id)}/members/${enc(m.agentId)}/pause`, { reason: 'supervisor' })) }, 'Pause'),
            el('button', { 'aria-label': `Remove ${name} from ${q.name}`, onclick: () => act('Remove', () => api(`/api/queues/${enc(q.id)}/members/${enc(m.agentId)}`, { method: 'DELETE' })) }, 'Remove'))));
      }))),
      el('div', { class: 'row' }, add, el('button', { 'aria-label': `Add to ${q.name}`, disabled: !add.options.length || undefined, onclick: () => act('Add member', () => post(`/api/queues/${enc(q.id)}/members`, { agentId: add.value })) }, 'Add')));
  }));
}

function renderMonitor(monitor, agents, calls) {
  const name = agents.find((a) => a.id === monitor?.agentId)?.name ?? monitor?.agentId;
  const caller = calls.find((c) => c.id === monitor?.callId)?.callerNumber || monitor?.callId;
  $('monitor-state').textContent = monitor ? `${monitor.mode} ${name} (call with ${caller}) — your phone ${monitor.connected ? 'connected' : 'ringing'}` : 'Not monitoring.';
  $('switch').disabled = !monitor;
  $('end-monitor').disabled = !monitor;
}

async function refresh() {
  try {
    const [agents, calls, queues, session] = await Promise.all([api('/api/agents'), api('/api/calls'), api('/api/queues'), api(`/api/cti/supervisors/${enc(me.id)}`)]);
    const members = await Promise.all(queues.map((q) => api(`/api/queues/${enc(q.id)}/members`)));
    renderAgents(agents, calls, session.monitor);
    renderWaiting(calls);
    renderQueues(queues, members, agents);
    renderMonitor(session.monitor, agents, calls);
  } catch (err) {
    showError(`Could not load: ${explain(err)}`);
  }
}
const refreshSoon = debounce(refresh, 150);

async function listRecordings() {
  const callId = $('recordings-call').value.trim();
  const list = await api(`/api/recordings${callId ? `?callId=${enc(callId)}` : ''}`);
  if (!list.length) return $('recordings').replaceChildren(el('tr', {}, el('td', { colspan: 8, class: 'muted' }, 'No recordings.')));
  $('recordings').replaceChildren(...list.map((r) => el('tr', {},
    el('td', {}, r.name), el('td', {}, r.callId), el('td', {}, r.agentId), el('td', {}, r.queue),
    el('td', {}, new Date(r.startedAt).toLocaleTimeString()), el('td', { class: 'num' }, r.durationS === undefined ? 'recording' : duration(r.durationS * 1000)), el('td', {}, r.by),
    el('td', {}, el('button', { 'aria-label': `Play ${r.name}`, onclick: () => act('Play', () => play(r.name)) }, 'Play')))));
}

/** The audio needs the key, which an <audio src> cannot send: fetch it and play the blob. */
async function play(name) {
  const res = await fetch(`/api/recordings/${enc(name)}/file`, { headers: apiKey() ? { 'x-api-key': apiKey() } : {} });
  if (!res.ok) throw new Error((await res.json()).message ?? res.statusText);
  const player = $('player');
  if (player.src) URL.revokeObjectURL(player.src);
  player.src = URL.createObjectURL(await res.blob());
  player.dataset.playing = name;
  await player.play().catch(() => undefined); // autoplay may be refused: the controls are there
}

function wire() {
  $('switch').addEventListener('click', () => act('Switch mode', () => supervisorCommand('switchMode', { mode: $('switch-mode').value })));
  $('end-monitor').addEventListener('click', () => act('End monitoring', () => supervisorCommand('endMonitor')));
  $('recordings-list').addEventListener('click', () => act('Recordings', listRecordings));
}

async function start(id, phone) {
  await api(`/api/cti/supervisors/${enc(id)}`);
  me = { id, phone };
  reasons = await api('/api/reasons');
  $('force-reason').replaceChildren(...reasons.notReady.map((r) => el('option', { value: r.code }, r.label)));
  $('who').textContent = `${id}${phone ? ` · ${phone}` : ''}`;
  $('login').hidden = true;
  $('console').hidden = false;
  await refresh();
  const [queues, agents] = await Promise.all([api('/api/queues'), api('/api/agents')]);
  await openEvents({ queues: queues.map((q) => q.id), agents: agents.map((a) => a.id) }, QUEUE_EVENTS, refreshSoon, refreshSoon);
}

async function main() {
  wire();
  startClocks();
  await sessionLogin(SESSION, 'Sign-in refused', start);
}

main();
