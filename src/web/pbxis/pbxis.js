/**
 * The PBXIS sample pages' shared module: API-key login form, requests, the ticket, and the event
 * stream over the transport the URL names (long-poll, sse, websocket), exactly as PBXIS-ws
 * documents them: the ticket is a plain string put in the URL; long-poll answers a JSON array;
 * SSE sends `event: <type>` with the rest as data and `close` at the end; WebSocket one event
 * per message.
 */
const KEY = 'pbxis.apiKey';
const EVENT_TYPES = ['queueMemberStatus', 'queueCount', 'extensionStatus', 'phoneNumber', 'agentComplete', 'originateFailed', 'closed'];

export const $ = (sel) => document.querySelector(sel);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

export async function api(path, { method = 'GET', body } = {}) {
  const key = sessionStorage.getItem(KEY);
  const headers = { ...(key ? { 'x-api-key': key } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(data?.message ?? `${res.status} ${res.statusText}`);
  return data;
}

export const ticket = (agents, queues) => api('/ticket', { method: 'POST', body: { agents, queues } });

/** Shows `message` in the page's status line (role=status, or role=alert for errors). */
export function say(message, error = false) {
  const line = $('#status');
  line.setAttribute('role', error ? 'alert' : 'status');
  line.textContent = message;
}

/**
 * The login form (an API key; empty when the server runs without keys). `onLogin(form)` runs on
 * submit; if it throws, the key is forgotten and the error shown.
 */
export function loginForm(extraFields, onLogin) {
  const form = el('form', { id: 'login', 'aria-label': 'Sign in' });
  const keyInput = el('input', { id: 'apiKey', name: 'apiKey', type: 'password', autocomplete: 'current-password' });
  form.append(el('label', { for: 'apiKey' }, 'API key'), keyInput, ...extraFields, el('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (keyInput.value) sessionStorage.setItem(KEY, keyInput.value);
    else sessionStorage.removeItem(KEY);
    try {
      say('signing in…');
      await onLogin(form);
      form.hidden = true;
    } catch (err) {
      sessionStorage.removeItem(KEY);
      say(`Sign-in failed: ${err.message}`, true);
    }
  });
  return form;
}

/** Receives the ticket's events over `tech`; `onEvent({type, ...})`. Returns a stop function. */
export function subscribe(tech, id, onEvent) {
  let stopped = false;
  const closed = () => {
    stopped = true;
    say('the server closed the event stream', true);
  };
  if (tech === 'long-poll') {
    (async () => {
      while (!stopped) {
        const res = await fetch(`/${id}/long-poll`);
        if (!res.ok) return say(`long-poll failed: ${res.status}`, true);
        for (const event of await res.json()) {
          if (event.type === 'closed') return closed();
          onEvent(event);
        }
      }
    })().catch((err) => say(`long-poll failed: ${err.message}`, true));
    return () => (stopped = true);
  }
  if (tech === 'sse') {
    const source = new EventSource(`/${id}/sse`);
    for (const type of EVENT_TYPES) source.addEventListener(type, (e) => onEvent({ type, ...JSON.parse(e.data) }));
    // `close`: no more events, and EventSource must not reconnect.
    source.addEventListener('close', () => {
      source.close();
      closed();
    });
    return () => source.close();
  }
  if (tech === 'websocket') {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/${id}/websocket`);
    ws.onmessage = (m) => {
      const event = JSON.parse(m.data);
      if (event.type === 'closed') return closed();
      onEvent(event);
    };
    return () => ws.close();
  }
  throw new Error(`unknown transport '${tech}': long-poll, sse or websocket`);
}

/** `/client/<tech>/<agents>/<queues>` → its path parts after the page name. */
export const pathParts = () => location.pathname.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
export const list = (part) => (part ?? '').split(',').map((s) => s.trim()).filter(Boolean);
