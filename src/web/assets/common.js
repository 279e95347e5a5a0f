/**
 * What every page shares: building elements without parsing HTML, durations, the API client
 * with its key (login form, kept in sessionStorage for this tab only, never in a URL except
 * where a WebSocket cannot send headers), errors in words and the live event stream.
 */

const KEY_STORE = 'acd-api-key';

/** Builds an element; children are nodes or text (never parsed as HTML). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  return node;
}

export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return hh ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}

/** Elements with `data-since` (ms epoch) show the time since then, updated every second. */
export function startClocks() {
  const tick = () => {
    for (const node of document.querySelectorAll('[data-since]')) {
      const since = Number(node.dataset.since);
      node.textContent = since ? duration(Date.now() - since) : '–';
    }
  };
  tick();
  setInterval(tick, 1000);
}

export const apiKey = () => sessionStorage.getItem(KEY_STORE) || '';
export const setApiKey = (key) => (key ? sessionStorage.setItem(KEY_STORE, key) : sessionStorage.removeItem(KEY_STORE));

/** An engine refusal: the engine's own words and stable code. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** JSON over HTTP with the key; a refusal throws ApiError with the engine's message. */
export async function api(url, { method = 'GET', body } = {}) {
  const headers = {};
  if (apiKey()) headers['x-api-key'] = apiKey();
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const reply = text ? JSON.parse(text) : {};
  if (!res.ok) throw new ApiError(res.status, reply.code || String(res.status), reply.message || res.statusText);
  return reply;
}

/** The words shown for a failure: the engine's message, its code in brackets. */
export const explain = (err) => (err instanceof ApiError ? `${err.message} (${err.code})` : err.message || String(err));

/**
 * Resolves once `probe` succeeds. A 401/403 shows the page's login form (`#login`, with
 * `#login-key` and `#login-error`) until a key that works is given; open-mode servers need none.
 */
export async function signIn(probe) {
  const form = document.getElementById('login');
  for (;;) {
    try {
      const result = await probe();
      form.hidden = true;
      return result;
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) throw err;
      if (apiKey()) document.getElementById('login-error').textContent = `Sign-in refused: ${explain(err)}`;
      setApiKey('');
      form.hidden = false;
      await new Promise((resolve) => form.addEventListener('submit', (e) => { e.preventDefault(); resolve(); }, { once: true }));
      setApiKey(document.getElementById('login-key').value.trim());
    }
  }
}

/**
 * Pages with a session of their own (agent desktop, supervisor console): resumes the one saved in
 * this tab, else shows the form `#login` (`#login-id`, `#login-key`, `#login-phone`, `#login-error`)
 * until `start(id, phone)` resolves. A refusal is shown as `<refused>: <the engine's words>`.
 */
export async function sessionLogin(storageKey, refused, start) {
  const form = document.getElementById('login');
  const error = document.getElementById('login-error');
  // Listening first: a page that signs out later shows the same form again.
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    setApiKey(document.getElementById('login-key').value.trim());
    const id = document.getElementById('login-id').value.trim();
    const phone = document.getElementById('login-phone').value.trim();
    try {
      await start(id, phone);
      sessionStorage.setItem(storageKey, JSON.stringify({ id, phone }));
    } catch (err) {
      error.textContent = `${refused}: ${explain(err)}`;
    }
  });
  const saved = JSON.parse(sessionStorage.getItem(storageKey) || 'null');
  if (saved) {
    try {
      return await start(saved.id, saved.phone);
    } catch {
      sessionStorage.removeItem(storageKey);
    }
  }
  form.hidden = false;
}

/** Shows the connection state in `#connection`: live, or reconnecting (the tests look for the word). */
export function showConnection(live) {
  const node = document.getElementById('connection');
  node.textContent = live ? 'live' : 'reconnecting…';
  node.className = live ? 'live' : 'down';
}

/**
 * The engine's event stream (SSE). Browsers cannot send headers with EventSource, so with a key
 * the page asks for a ticket for `scope` first. EventSource reconnects by itself (Last-Event-ID:
 * nothing missed); a refused reconnect closes it, and then a new ticket is fetched.
 */
export async function openEvents(scope, types, onEvent, onLive) {
  const url = apiKey() ? `/api/tickets/${(await api('/api/tickets', { method: 'POST', body: scope })).ticket}/sse` : '/api/events';
  const source = new EventSource(url);
  source.onopen = () => { showConnection(true); onLive?.(); };
  source.onerror = () => {
    showConnection(false);
    if (source.readyState === EventSource.CLOSED) setTimeout(() => openEvents(scope, types, onEvent, onLive).catch(() => source.onerror()), 2000);
  };
  for (const type of types) source.addEventListener(type, (msg) => onEvent(JSON.parse(msg.data)));
  return source;
}

/** Bursts of calls become one, at most `delayMs` after the first. */
export function debounce(fn, delayMs) {
  let timer;
  return () => {
    if (timer) return;
    timer = setTimeout(() => { timer = undefined; fn(); }, delayMs);
  };
}

export const QUEUE_EVENTS = ['QueueCallerJoin', 'QueueCallerLeave', 'QueueCallerAbandon', 'AgentCalled', 'AgentRingNoAnswer', 'AgentConnect', 'AgentComplete', 'AgentStatus', 'AgentPendingStatus', 'AgentLostTalk',
  'QueueMemberAdded', 'QueueMemberPenalty', 'QueueMemberRemoved', 'QueueMemberPause', 'CallControl', 'CallParked', 'CallUnparked'];
