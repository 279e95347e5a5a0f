/**
 * The native CTI WebSocket (`/api/cti/ws/agents/<id>`, `/api/cti/ws/supervisors/<id>`) for the
 * pages: commands answered as promises (a refusal rejects with the engine's code and words),
 * events to a handler, and reconnection by itself. On every (re)connect the engine replays the
 * session's current state before `session.initialized`, so the page restores itself from that.
 * The key goes in the query (`ssid`): a browser WebSocket cannot send headers.
 */
import { ApiError, apiKey, showConnection } from './common.js';

const RETRY_MS = [500, 1000, 2000, 4000];

export class CtiSocket {
  /** `kind` = 'agents' or 'supervisors'. `onEvent(event, data)`; `onFatal(message)` when the engine refuses the session. */
  constructor(kind, session, onEvent, onFatal) {
    this.kind = kind;
    this.session = session;
    this.onEvent = onEvent;
    this.onFatal = onFatal;
    this.pending = [];
    this.attempt = 0;
    this.closed = false;
  }

  open() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const query = apiKey() ? `?ssid=${encodeURIComponent(apiKey())}` : '';
    const ws = new WebSocket(`${scheme}://${location.host}/api/cti/ws/${this.kind}/${encodeURIComponent(this.session)}${query}`);
    this.ws = ws;
    ws.onmessage = (msg) => this.receive(JSON.parse(msg.data));
    ws.onclose = (e) => {
      for (const p of this.pending.splice(0)) p.reject(new ApiError(0, 'disconnected', 'the connection to the engine was lost'));
      if (this.closed) return;
      showConnection(false);
      if (e.code === 4404) return this.onFatal?.(e.reason || 'session refused');
      setTimeout(() => this.open(), RETRY_MS[Math.min(this.attempt++, RETRY_MS.length - 1)]);
    };
  }

  receive(msg) {
    if (msg.event) {
      if (msg.event === 'session.initialized') { this.attempt = 0; showConnection(true); }
      this.onEvent(msg.event, msg.data);
      return;
    }
    const i = this.pending.findIndex((p) => p.command === msg.command && p.target === msg.target);
    if (i < 0) return;
    const [p] = this.pending.splice(i, 1);
    if (msg.result === 'success') p.resolve(msg.data);
    else p.reject(new ApiError(0, msg.data?.code ?? 'generalError', msg.data?.message ?? 'refused'));
  }

  /** `callId` names the call the command is about (target `<session>.<callId>`). */
  command(command, data = {}, callId) {
    const target = callId ? `${this.session}.${callId}` : this.session;
    if (this.ws?.readyState !== WebSocket.OPEN) return Promise.reject(new ApiError(0, 'disconnected', 'not connected to the engine, reconnecting'));
    return new Promise((resolve, reject) => {
      this.pending.push({ command, target, resolve, reject });
      this.ws.send(JSON.stringify({ command, target, data }));
    });
  }

  close() {
    this.closed = true;
    this.ws?.close();
  }
}
