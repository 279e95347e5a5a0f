/**
 * A PBXIS-ws client written from its document only (../shared/seeds/pbxis-ws.txt) and its
 * sample pages: the ticket is a plain JSON string concatenated into the URL, parameters go in
 * the query string of a POST without body (or as a JSON body), events are PBXIS objects.
 */
import WebSocket from 'ws';
import { openSse, type SseClient } from '../../api/sseClient.js';

export interface PbxisEvent {
  type: string;
  [field: string]: unknown;
}

export interface PbxisFeed {
  events: PbxisEvent[];
  close(): void;
}

export function pbxisClient(base: string, headers: Record<string, string> = {}) {
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are inspected freely
    return { status: res.status, contentType: res.headers.get('content-type'), text, json: json as any };
  };
  return {
    request,
    /** POST /ticket {"agents":[...],"queues":[...]} → "the ticket, a simple string". */
    async ticket(agents: string[], queues: string[]): Promise<string> {
      const res = await request('POST', '/ticket', { agents, queues });
      if (res.status !== 200 || typeof res.json !== 'string') throw new Error(`ticket refused: ${res.status} ${res.text}`);
      return res.json;
    },
    /** GET /<ticket>/long-poll → [event1, event2, ...] */
    async longPoll(ticket: string, query = ''): Promise<PbxisEvent[]> {
      const res = await request('GET', '/' + ticket + '/long-poll' + query);
      if (res.status !== 200 || !Array.isArray(res.json)) throw new Error(`long-poll failed: ${res.status} ${res.text}`);
      return res.json as PbxisEvent[];
    },
    /** GET /<ticket>/sse: `event: <type>` + `data: {...}`; the events rebuilt as {type, ...data}. */
    async sse(ticket: string): Promise<PbxisFeed & { raw: SseClient }> {
      const raw = await openSse(base + '/' + ticket + '/sse');
      return {
        raw,
        get events() {
          return raw.events().map((f) => ({ type: f.event!, ...(JSON.parse(f.data ?? '{}') as object) }));
        },
        close: () => raw.close(),
      };
    },
    /** new WebSocket("ws://" + host + "/" + ticket + "/websocket"): one event per message. */
    async websocket(ticket: string): Promise<PbxisFeed & { closed: Promise<void> }> {
      const ws = new WebSocket(base.replace(/^http/, 'ws') + '/' + ticket + '/websocket');
      const events: PbxisEvent[] = [];
      ws.on('message', (m) => events.push(JSON.parse(String(m)) as PbxisEvent));
      const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      return { events, closed, close: () => ws.close() };
    },
  };
}

export type PbxisClient = ReturnType<typeof pbxisClient>;
