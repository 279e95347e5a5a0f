/**
 * Browser CTI library, compatible with the FreeSWITCH JS API's command/event interface
 * (../shared/seeds/freeswitch-cti-js-api.txt), over the engine's native CTI WebSocket
 * (/api/cti/ws/agents/<loginId>). Served at GET /sdk/cti.js (ES module) and /sdk/cti.global.js
 * (classic script: `window.executeCommands`, `window.FreeswitchCti`). See docs/compat-cti-js.md.
 *
 *   executeCommands({ action: 'login', parameter: { loginId, password, extension, clientCallbackFunction } });
 *
 * Every event reaches the login's clientCallbackFunction as { event, response }; a command's own
 * failure also reaches that command's callback as { event: 'Error', response: { type, description } }.
 */

const VIDEO_NOT_SUPPORTED = 'video calls are not supported by this engine: audio only';
const RECONNECT_MS = [500, 1000, 2000, 5000];

const settings = { url: '', endpointPattern: 'PJSIP/{extension}' };

/** Where the engine is (default: the page's origin) and how an extension becomes a dial string. */
export function configure(options) {
  Object.assign(settings, options);
}

/** The one agent session of this page. */
let s = null;

const norm = (name) => String(name ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');

function emit(event, response, callback) {
  const sink = callback ?? s?.callback;
  if (typeof sink === 'function') sink({ event, response });
}

function error(type, description, callback) {
  emit('Error', { type, description, loginId: s?.loginId ?? '' }, callback);
}

function wsUrl(loginId, password) {
  const base = settings.url || (typeof location !== 'undefined' ? location.origin : '');
  const url = new URL(`/api/cti/ws/agents/${encodeURIComponent(loginId)}`, base.replace(/^http/, 'ws'));
  if (password) url.searchParams.set('token', password);
  return url.toString();
}

// ---- engine → document vocabulary ------------------------------------------------------------

const AGENT_STATES = {
  logged_out: 'LOGOUT',
  ready: 'READY',
  not_ready: 'NOT_READY',
  reserved: 'RESERVED',
  ringing: 'RESERVED',
  busy: 'TALKING',
  after_call_work: 'WORK',
};
const DIALOG_STATES = { alerting: 'ALERTING', active: 'ACTIVE', held: 'ACTIVE', dropped: 'DROPPED' };
const PARTICIPANT_STATES = { alerting: 'ALERTING', active: 'ACTIVE', held: 'HELD', dropped: 'DROPPED' };

function callTypeOf(d) {
  if (d.kind === 'consult') return 'CONSULT';
  if (d.kind === 'outbound') return 'OUT';
  // A queue call that reaches this agent without an offer, after a consult to it: transferred in.
  if (s.consulted && !s.dialogs.has(d.callId)) {
    s.consulted = false;
    return 'CONSULT_TRANSFER';
  }
  return 'OTHER_IN';
}

function variablesOf(vars) {
  return { CallVariable: Object.entries(vars ?? {}).map(([name, value]) => ({ name, value })) };
}

/** A native `dialog.state` as the document's dialog object. */
function dialogOf(d, extra = {}) {
  const remote = d.participants.find((p) => p.role !== 'agent');
  const known = s.dialogs.get(d.callId) ?? {};
  return {
    id: d.callId,
    callType: known.callType ?? callTypeOf(d),
    state: DIALOG_STATES[d.state] ?? 'ACTIVE',
    fromAddress: d.kind === 'queue' ? (remote?.number ?? '') : s.extension,
    toAddress: d.kind === 'queue' ? s.extension : (remote?.number ?? ''),
    dialedNumber: d.kind === 'queue' ? d.queue : (remote?.number ?? ''),
    customerNumber: remote?.number ?? '',
    queueName: d.queue,
    isMuted: d.muted,
    callVariables: known.callVariables ?? variablesOf({}),
    participants: d.participants.map((p) => ({
      mediaAddress: p.role === 'agent' ? s.extension : p.number || p.id,
      mediaAddressType: p.role === 'agent' ? 'AGENT_DEVICE' : 'PHONE',
      state: PARTICIPANT_STATES[p.state] ?? 'ACTIVE',
      mute: p.role === 'agent' ? d.muted : false,
    })),
    ...extra,
  };
}

function dialogState(d, extra) {
  const dialog = dialogOf(d, extra);
  if (d.kind === 'consult') s.consulted = true;
  s.dialogs.set(d.callId, { ...(s.dialogs.get(d.callId) ?? {}), callType: dialog.callType, callVariables: dialog.callVariables, last: d });
  emit('dialogState', { loginId: s.loginId, dialog });
  if (dialog.callType === 'CONSULT') emit('consultCall', { loginId: s.loginId, dialog });
  if (d.consult) emit('consultCall', { loginId: s.loginId, dialog: { ...dialog, id: d.consult.id, callType: 'CONSULT', state: d.consult.state === 'connected' ? 'ACTIVE' : 'INITIATED', consultTarget: d.consult.target } });
  if (dialog.state === 'DROPPED') s.dialogs.delete(d.callId);
}

const ON_CALL = ['reserved', 'ringing', 'busy'];
/** The engine's consult through a queue is a queue call with this id prefix (src/domain/call.ts). */
const CONSULT_CALL_PREFIX = 'acd-csq-';

function onAgentState(data) {
  s.agentStatus = data.status;
  emit('agentState', { loginId: s.loginId, extension: s.extension, state: AGENT_STATES[data.status] ?? 'NOT_READY', reasonCode: data.reason ?? '', reasonLabel: data.label ?? '', pending: data.pending ?? null });
  // RONA, or the caller hung up while the call rang: the offered dialog ends Canceled.
  if (data.previous === 'ringing' || data.previous === 'reserved') {
    for (const [id, known] of s.dialogs) {
      if (known.last?.state === 'alerting' && known.callType === 'OTHER_IN' && !ON_CALL.includes(data.status)) {
        dialogState({ ...known.last, state: 'dropped', participants: known.last.participants.map((p) => ({ ...p, state: 'dropped' })) }, { endCallReason: 'Canceled' });
        s.dialogs.delete(id);
      }
    }
  }
}

function onEvent(msg) {
  const d = msg.data ?? {};
  switch (msg.event) {
    case 'agent.state':
      return onAgentState(d);
    case 'call.offered': {
      const callVariables = variablesOf(d.variables);
      const kind = d.callId.startsWith(CONSULT_CALL_PREFIX) ? 'consult' : 'queue';
      s.dialogs.set(d.callId, { callType: kind === 'consult' ? 'CONSULT' : 'OTHER_IN', callVariables });
      const dialog = {
        callId: d.callId,
        kind,
        queue: d.queue,
        state: 'alerting',
        muted: false,
        participants: [
          { role: 'caller', id: '', number: d.callerNumber, name: d.callerName, state: 'active' },
          { role: 'agent', id: s.loginId, number: '', name: '', state: 'alerting' },
        ],
      };
      emit('newInboundCall', { loginId: s.loginId, dialog: { ...dialogOf(dialog), callerName: d.callerName, waitMs: d.waitMs } });
      return dialogState(dialog);
    }
    case 'dialog.state':
      return dialogState(d, d.state === 'dropped' ? { endCallReason: d.reason ?? 'Normal' } : {});
    case 'dtmf':
      return emit('DTMF', { loginId: s.loginId, type: 1, dialogId: d.callId, digits: d.digits, direction: d.direction });
    case 'error':
      return error(d.code === 'invalidState' ? 'invalidState' : 'generalError', d.message ?? 'Sorry we are unable to process your request');
    case 'session.initialized':
      return onInitialized();
    default:
      return undefined;
  }
}

// ---- connection ------------------------------------------------------------------------------

function send(command, target, data) {
  return new Promise((resolve, reject) => {
    if (!s?.ws || s.ws.readyState !== WebSocket.OPEN) return reject({ code: 'generalError', message: 'not connected to the CTI server' });
    s.pending.push({ command, resolve, reject });
    s.ws.send(JSON.stringify({ command, target, data }));
  });
}

function onResponse(msg) {
  const i = s.pending.findIndex((p) => p.command === msg.command);
  if (i < 0) return;
  const [p] = s.pending.splice(i, 1);
  if (msg.result === 'success') p.resolve(msg.data);
  else p.reject(msg.data ?? { code: 'generalError', message: 'failed' });
}

async function onInitialized() {
  const wasConnected = s.connected;
  s.connected = true;
  s.retry = 0;
  emit('xmppEvent', { loginId: s.loginId, type: 'IN_SERVICE', description: 'connected to the CTI server' });
  if (wasConnected || s.loggedIn) return;
  try {
    if (s.agentStatus === 'logged_out') await send('login', s.loginId, { endpoint: settings.endpointPattern.replace('{extension}', s.extension) });
    s.loggedIn = true;
    emit('agentInfo', { loginId: s.loginId, extension: s.extension, state: 'LOGIN' });
  } catch (e) {
    error('subscriptionFailed', e.message ?? 'login failed');
  }
}

function connect() {
  const ws = new WebSocket(wsUrl(s.loginId, s.password));
  s.ws = ws;
  let opened = false;
  ws.onopen = () => {
    opened = true;
  };
  ws.onmessage = (e) => {
    const msg = JSON.parse(e.data);
    if ('result' in msg) onResponse(msg);
    else onEvent(msg);
  };
  ws.onclose = () => {
    if (s?.ws !== ws) return;
    for (const p of s.pending.splice(0)) p.reject({ code: 'generalError', message: 'connection lost' });
    if (!opened && !s.loggedIn) {
      // The handshake was refused: wrong loginId / password (the browser hides the HTTP status).
      error('subscriptionFailed', `login ${s.loginId} refused: unknown agent or wrong password`);
      s = null;
      return;
    }
    if (s.connected) emit('xmppEvent', { loginId: s.loginId, type: 'OUT_OF_SERVICE', description: 'connection to the CTI server lost; reconnecting' });
    s.connected = false;
    const delay = RECONNECT_MS[Math.min(s.retry++, RECONNECT_MS.length - 1)];
    s.timer = setTimeout(() => s && connect(), delay);
  };
}

// ---- commands --------------------------------------------------------------------------------

const str = (v) => (v === undefined || v === null ? '' : String(v));

/** The dialog a command is about: parameter.dialogId, else the agent's current call. */
function target(p) {
  const id = str(p.dialogId ?? p.dialogID ?? p.callId);
  return id ? `${s.loginId}.${id}` : s.loginId;
}

const numberOf = (p, ...names) => {
  for (const n of names) if (p[n] !== undefined && p[n] !== '') return str(p[n]);
  return '';
};

function isVideo(p) {
  const type = norm(p.callType ?? p.answerCalltype ?? p.answerCallType ?? 'audio');
  return type !== '' && type !== 'audio';
}

/** action (case and punctuation ignored) → what it sends to the engine. */
const COMMANDS = {
  makecall: (p) => (isVideo(p) ? Promise.reject({ code: 'generalError', message: VIDEO_NOT_SUPPORTED }) : dial(p)),
  makeobcall: (p) => dial(p),
  answercall: (p) => {
    if (isVideo(p)) return Promise.reject({ code: 'generalError', message: VIDEO_NOT_SUPPORTED });
    // An auto-answer phone already took the call, or takes it itself (the agent answers on the
    // phone): nothing left to do. Manual-answer agents are connected by the engine now.
    if (s.agentStatus === 'busy') return Promise.resolve({});
    return send('answer', target(p), {}).catch((e) => (/not configured for manual answer/.test(e.message ?? '') ? {} : Promise.reject(e)));
  },
  releasecall: (p) => send('release', target(p), {}),
  holdcall: (p) => send('hold', target(p), {}),
  retrievecall: (p) => send('retrieve', target(p), {}),
  mute: (p) => send('mute', target(p), {}),
  unmute: (p) => send('unmute', target(p), {}),
  senddtmf: (p) => send('dtmf', target(p), { digits: numberOf(p, 'message', 'digits', 'dtmf') }).catch((e) => {
    emit('DTMF', { loginId: s.loginId, type: 0, description: e.message });
    throw e;
  }),
  sst: (p) => toAgentOrNumber('transfer', target(p), p, numberOf(p, 'numberToTransfer', 'calledNumber', 'number', 'extension')),
  sstqueue: (p) => send('transfer', target(p), { queue: numberOf(p, 'queue', 'queueName', 'numberToTransfer', 'calledNumber') }),
  consultcall: (p) => toAgentOrNumber('consult', target(p), p, numberOf(p, 'numberToConsult', 'numberToTransfer', 'calledNumber', 'number', 'extension')),
  consultcallqueue: (p) => send('consult', target(p), { queue: numberOf(p, 'queue', 'queueName', 'numberToConsult', 'calledNumber') }),
  consulttransfer: (p) => send('completeTransfer', target(p), {}),
  cancelconsult: (p) => send('cancelConsult', target(p), {}),
  makeready: () => send('ready', s.loginId, {}),
  makenotready: (p) => send('notReady', s.loginId, { reason: numberOf(p, 'reasonCode', 'reason') || 'acw' }),
  logout: async (p) => {
    const reason = numberOf(p, 'reasonCode', 'reason');
    await send('logout', s.loginId, reason ? { reason } : {});
    const done = s;
    s = null;
    clearTimeout(done.timer);
    done.ws.close();
  },
  convertcall: () => Promise.reject({ code: 'generalError', message: VIDEO_NOT_SUPPORTED }),
  silentmonitor: (p) => silentMonitor(p),
};
COMMANDS.blindtransfer = COMMANDS.sst;
COMMANDS.consulttransferqueue = COMMANDS.consulttransfer;

/** An outbound call: outboundDialing as soon as the engine took it (the agent's phone rings first). */
async function dial(p) {
  const destination = numberOf(p, 'calledNumber', 'number', 'destination');
  const { id } = await send('dial', s.loginId, { destination, ...(p.callerId ? { callerId: str(p.callerId) } : {}) });
  const d = { callId: id, kind: 'outbound', queue: '', state: 'alerting', muted: false, participants: [{ role: 'agent', id: s.loginId, number: '', name: '', state: 'alerting' }, { role: 'destination', id: '', number: destination, name: '', state: 'alerting' }] };
  emit('outboundDialing', { loginId: s.loginId, dialog: { ...dialogOf(d), state: 'INITIATING' } });
}

/** Transfer / consult to "an agent extension": the agent of that id if there is one, else the number dialed. */
function toAgentOrNumber(command, to, p, number) {
  if (p.agentId) return send(command, to, { agentId: str(p.agentId) });
  return send(command, to, { agentId: number }).catch((e) => (e.code === 'notFound' ? send(command, to, { extension: number }) : Promise.reject(e)));
}

/** Silent monitor: a supervisor session of the same loginId, listening from `extension`. */
function silentMonitor(p) {
  return new Promise((resolve, reject) => {
    const url = wsUrl(s.loginId, s.password).replace('/agents/', '/supervisors/');
    const ws = new WebSocket(url);
    s.monitor?.close();
    s.monitor = ws;
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.event === 'session.initialized') {
        ws.send(JSON.stringify({ command: 'monitor', target: s.loginId, data: { agentId: numberOf(p, 'agentId', 'targetAgent', 'agentLoginId'), endpoint: settings.endpointPattern.replace('{extension}', numberOf(p, 'extension') || s.extension) } }));
      } else if (msg.command === 'monitor') {
        if (msg.result === 'success') resolve(msg.data);
        else reject(msg.data);
      } else if (msg.event === 'supervisor.state') {
        emit('silentMonitor', { loginId: s?.loginId ?? '', ...msg.data });
      }
    };
    ws.onclose = () => reject({ code: 'generalError', message: 'supervisor session refused (a supervisor key is needed)' });
  });
}

/**
 * Runs one `{ action, parameter }` command. A failure is reported as an `Error` event
 * (`invalidState` when the call or the agent is not in a state for it, else `generalError`).
 */
export function executeCommands(command) {
  const p = command?.parameter ?? {};
  const callback = typeof p.clientCallbackFunction === 'function' ? p.clientCallbackFunction : undefined;
  const action = norm(command?.action);
  if (action === 'login') return login(p, callback);
  const run = COMMANDS[action];
  if (!run) return error('generalError', `unknown action '${command?.action}'`, callback);
  if (!s) return error('invalidState', 'not logged in: send the login command first', callback);
  run(p).catch((e) => error(e.code === 'invalidState' ? 'invalidState' : 'generalError', e.message ?? 'Sorry we are unable to process your request', callback ?? s?.callback));
}

function login(p, callback) {
  const loginId = str(p.loginId);
  const extension = str(p.extension);
  if (!loginId || !extension) return error('subscriptionFailed', 'login needs loginId and extension', callback);
  if (s) return error('invalidState', `already logged in as ${s.loginId}`, callback);
  s = { loginId, password: str(p.password), extension, callback, ws: null, pending: [], dialogs: new Map(), consulted: false, connected: false, loggedIn: false, retry: 0, agentStatus: 'logged_out', timer: undefined, monitor: null };
  connect();
}

/** Click to call from another origin: window.postMessage({ action: 'makeCall', parameter: {...}, SourceType }). */
function onPostMessage(e) {
  const data = typeof e.data === 'string' ? safeParse(e.data) : e.data;
  if (!data || typeof data !== 'object' || !data.action || !data.parameter) return;
  const action = norm(data.action);
  if (action !== 'makecall' && action !== 'clicktocall' && action !== 'makeobcall') return;
  executeCommands({ action: action === 'makeobcall' ? 'makeOBCall' : 'makeCall', parameter: data.parameter });
}

function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

if (typeof window !== 'undefined') window.addEventListener('message', onPostMessage);
