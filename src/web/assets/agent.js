/**
 * The agent desktop: log in (agent id, key, phone), state with time in state and reason, the
 * offered call, in-call controls, transfer / consult from a live list of who is free, wrap-up
 * countdown, outbound dial. All commands go over the CTI WebSocket; what the page shows comes from
 * its events (`agent.state`, `call.offered`, `dialog.state`, ...), so a reconnect restores it.
 * Refusals are shown in the engine's words.
 */
import { api, duration, el, explain, sessionLogin, startClocks } from './common.js';
import { CtiSocket } from './cti.js';

const SESSION = 'acd-agent-session';
const DIRECTORY_MS = 3000;
const LOG_LIMIT = 50;
const $ = (id) => document.getElementById(id);

const state = {
  agentId: '',
  agent: undefined,
  /** Latest dialog.state of the current call, undefined when none. */
  dialog: undefined,
  /** call.offered data while an offer is pending. */
  offer: undefined,
  lastQueue: '',
  recording: false,
  consulting: false,
  directory: { agents: [], queues: [] },
};
let cti;

function log(text) {
  const list = $('log');
  list.prepend(el('li', {}, `${new Date().toLocaleTimeString()}  ${text}`));
  while (list.children.length > LOG_LIMIT) list.lastElementChild.remove();
}

function showError(text) {
  $('message').textContent = text;
  if (text) log(text);
}

/** Runs a CTI command; a refusal is shown in words and the page stays as it is. */
async function run(command, data = {}, callId = state.dialog?.callId ?? state.offer?.callId) {
  try {
    const result = await cti.command(command, data, callId);
    showError('');
    return result;
  } catch (err) {
    showError(`${label(command)}: ${explain(err)}`);
    return undefined;
  }
}

const LABELS = { notReady: 'Not ready', completeTransfer: 'Complete transfer', cancelConsult: 'Cancel consult', startRecording: 'Start recording', stopRecording: 'Stop recording' };
const label = (command) => LABELS[command] ?? command[0].toUpperCase() + command.slice(1);

async function refreshAgent() {
  try {
    state.agent = await api(`/api/agents/${encodeURIComponent(state.agentId)}`);
  } catch (err) {
    showError(`Could not read your state: ${explain(err)}`);
  }
  render();
}

async function refreshDirectory() {
  try {
    state.directory = await api('/api/directory');
    renderTargets();
  } catch { /* the next round tries again */ }
}

const FREE_FIRST = { ready: 0, after_call_work: 1, not_ready: 2, reserved: 3, ringing: 3, busy: 3, logged_out: 4 };

function renderTargets() {
  const select = $('target');
  const keep = select.value;
  const agents = state.directory.agents.filter((a) => a.id !== state.agentId && a.status !== 'logged_out')
    .sort((a, b) => FREE_FIRST[a.status] - FREE_FIRST[b.status] || a.name.localeCompare(b.name));
  select.replaceChildren(
    el('optgroup', { label: 'Agents' }, agents.map((a) => el('option', { value: `agentId:${a.id}` }, `${a.name} (${a.id}) — ${a.status === 'ready' ? 'free' : a.status.replace(/_/g, ' ')}`))),
    el('optgroup', { label: 'Queues' }, state.directory.queues.map((q) => el('option', { value: `queue:${q.id}` }, `Queue ${q.name}`))));
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
}

/** The transfer / consult destination: the number typed, else the picked agent or queue. */
function target() {
  const number = $('target-number').value.trim();
  if (number) return { extension: number };
  const [kind, id] = $('target').value.split(/:(.*)/s);
  return kind ? { [kind]: id } : {};
}

function facts(pairs) {
  return el('dl', { class: 'call-facts' }, pairs.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function renderCall() {
  const d = state.dialog;
  const o = state.offer;
  if (!d && !o) return $('call-info').replaceChildren(el('p', { class: 'muted' }, 'No call.'));
  const other = d?.participants.find((p) => p.role !== 'agent');
  const number = o?.callerNumber ?? other?.number ?? '';
  const name = o?.callerName ?? other?.name ?? '';
  const queue = o?.queue ?? d?.queue ?? '';
  const status = !d || d.state === 'alerting' ? 'offered' : d.state === 'held' ? 'on hold' : 'connected';
  const pairs = [['Call', status + (d?.muted ? ', muted' : '') + (state.recording ? ', recording' : '') + (state.consulting ? ', consulting' : '')], ['Number', number || '–'], ['Name', name || '–'], ['Queue', queue || (d ? 'outbound' : '–')]];
  if (o) pairs.push(['Waited', duration(o.waitMs)]);
  for (const [k, v] of Object.entries(o?.variables ?? {})) pairs.push([k, v]);
  $('call-info').replaceChildren(facts(pairs));
}

function render() {
  const a = state.agent;
  const status = a?.status ?? 'logged_out';
  $('who').textContent = a ? `${a.name} (${a.id})${a.endpoint ? ` · ${a.endpoint}` : ''}` : state.agentId;
  $('state').textContent = status.replace(/_/g, ' ');
  $('state').className = `status ${status}`;
  $('state-reason').textContent = a?.reason ? reasonLabel(a.reason) : '';
  $('state-since').dataset.since = a?.since ?? '';
  $('state-since').textContent = a?.since ? duration(Date.now() - a.since) : '';
  const d = state.dialog;
  const active = d && d.state !== 'alerting';
  const onCall = Boolean(d || state.offer) || ['reserved', 'ringing', 'busy'].includes(status);
  const enable = (id, on) => { $(id).disabled = !on; };
  enable('ready', ['not_ready', 'after_call_work'].includes(status));
  enable('not-ready', ['ready', 'after_call_work'].includes(status));
  enable('not-ready-after', onCall);
  enable('logout', !onCall);
  enable('answer', Boolean(state.offer) && !active);
  enable('hold', active && d.state === 'active');
  enable('retrieve', active && d.state === 'held');
  enable('mute', active && !d.muted);
  enable('unmute', active && d.muted);
  enable('park', active && Boolean(d.queue));
  enable('record-start', active && !state.recording);
  enable('record-stop', active && state.recording);
  enable('release', active);
  for (const b of $('dtmf').querySelectorAll('button')) b.disabled = !active;
  enable('transfer', active && !state.consulting);
  enable('consult', active && !state.consulting);
  for (const id of ['complete', 'cancel-consult', 'conference']) enable(id, active && state.consulting);
  enable('dial', !onCall && status !== 'logged_out');
  $('wrapup-row').hidden = status !== 'after_call_work';
  renderCall();
  renderWrapup();
}

let reasons = { notReady: [], logout: [] };
const reasonLabel = (code) => [...reasons.notReady, ...reasons.logout].find((r) => r.code === code)?.label ?? code;

/** Wrap-up time left: the queue's wrapupS from the start of wrap-up (the engine ends it then). */
function renderWrapup() {
  const a = state.agent;
  if (a?.status !== 'after_call_work') return;
  const q = state.directory.queues.find((x) => x.id === state.lastQueue);
  $('wrapup-left').textContent = q ? duration(Math.max(0, a.since + q.wrapupS * 1000 - Date.now()) + 999) + ' left' : 'until you end it';
}

function onEvent(event, data) {
  switch (event) {
    case 'agent.state':
      if (data.status !== 'busy' && data.status !== 'reserved' && data.status !== 'ringing') state.offer = undefined;
      log(`state ${data.status.replace(/_/g, ' ')}${data.label ? ` (${data.label})` : ''}${data.by && data.by !== 'agent' ? ` by ${data.by}` : ''}`);
      void refreshAgent();
      return;
    case 'call.offered':
      state.offer = data;
      state.lastQueue = data.queue;
      log(`call offered from ${data.callerNumber || 'unknown'} (${data.queue})`);
      break;
    case 'dialog.state':
      if (data.state === 'dropped') {
        if (state.dialog?.callId === data.callId || !state.dialog) {
          state.dialog = undefined;
          state.recording = false;
          state.consulting = false;
        }
        if (state.offer?.callId === data.callId) state.offer = undefined;
        log(`call ended${data.reason ? ` (${data.reason})` : ''}`);
      } else {
        state.dialog = data;
        if (data.queue) state.lastQueue = data.queue;
        if (data.state !== 'alerting') state.offer = undefined;
      }
      break;
    case 'call.rona':
      state.offer = undefined;
      log('offered call not answered in time');
      break;
    case 'call.parked':
      log(`caller parked in slot ${data.slot}`);
      break;
    case 'dtmf':
      log(`DTMF ${data.direction} ${data.digits}`);
      break;
    case 'error':
      showError(`${label(data.command || 'engine')}: ${data.message} (${data.code})`);
      break;
    case 'session.initialized':
      void refreshAgent();
      void refreshDirectory();
      break;
    default:
      break;
  }
  render();
}

function wire() {
  const on = (id, fn) => $(id).addEventListener('click', fn);
  on('ready', () => run('ready', {}, null));
  on('not-ready', () => run('notReady', { reason: $('not-ready-reason').value }, null));
  on('not-ready-after', async () => {
    if (await run('notReady', { reason: $('not-ready-reason').value }, null)) log('not ready after this call');
  });
  on('end-wrapup', () => run('ready', {}, null));
  on('logout', async () => {
    const reason = $('logout-reason').value;
    if (await run('logout', reason ? { reason } : {}, null)) signOut();
  });
  on('answer', () => run('answer'));
  on('hold', () => run('hold'));
  on('retrieve', () => run('retrieve'));
  on('mute', () => run('mute'));
  on('unmute', () => run('unmute'));
  on('release', () => run('release'));
  on('park', async () => {
    const r = await run('park');
    if (r) log(`parked in slot ${r.slot}`);
  });
  on('record-start', async () => { if (await run('startRecording')) { state.recording = true; render(); } });
  on('record-stop', async () => { if (await run('stopRecording')) { state.recording = false; render(); } });
  on('transfer', () => run('transfer', target()));
  on('consult', async () => { if (await run('consult', target())) { state.consulting = true; render(); } });
  for (const [id, command] of [['complete', 'completeTransfer'], ['cancel-consult', 'cancelConsult'], ['conference', 'conference']]) {
    on(id, async () => { if (await run(command)) { state.consulting = command === 'conference'; render(); } });
  }
  on('dial', () => run('dial', { destination: $('dial-number').value.trim() }, null));
  $('dtmf').append(...'123456789*0#'.split('').map((digit) => el('button', { 'aria-label': `DTMF ${digit}`, onclick: () => run('dtmf', { digits: digit }) }, digit)));
}

function fillReasons() {
  $('not-ready-reason').replaceChildren(...reasons.notReady.map((r) => el('option', { value: r.code }, r.label)));
  $('logout-reason').replaceChildren(el('option', { value: '' }, '(no reason)'), ...reasons.logout.map((r) => el('option', { value: r.code }, r.label)));
}

function signOut() {
  cti?.close();
  cti = undefined;
  sessionStorage.removeItem(SESSION);
  $('desk').hidden = true;
  $('login').hidden = false;
  $('connection').textContent = 'not connected';
  $('connection').className = '';
}

/** Checks the key against the agent's session, then opens the CTI socket and logs in when logged out. */
async function start(agentId, phone) {
  await api(`/api/cti/agents/${encodeURIComponent(agentId)}`);
  state.agentId = agentId;
  reasons = await api('/api/reasons');
  fillReasons();
  $('login').hidden = true;
  $('desk').hidden = false;
  let loggedIn = false;
  cti = new CtiSocket('agents', agentId, (event, data) => {
    onEvent(event, data);
    if (event === 'agent.state' && data.status === 'logged_out' && !loggedIn) {
      loggedIn = true;
      void run('login', phone ? { endpoint: phone } : {}, null);
    }
    if (event === 'session.initialized') loggedIn = true;
  }, (message) => { signOut(); $('login-error').textContent = message; });
  cti.open();
}

async function main() {
  wire();
  startClocks();
  setInterval(() => { if (cti) void refreshDirectory(); }, DIRECTORY_MS);
  setInterval(renderWrapup, 1000);
  await sessionLogin(SESSION, 'Log-in refused', start);
}

main();
