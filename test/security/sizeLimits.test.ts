/**
 * Issue 8 item 7: limits on every string, body, WebSocket frame and session. Errors echo a
 * bounded excerpt only; CTI WebSocket sessions count in maxStreamsPerCredential.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KEYS, TEST_AUTH } from '../api/httpClient.js';
import { waitUntil } from '../api/waitUntil.js';
import { type SecureEngine, startSecureEngine } from './secureEngine.js';

let e: SecureEngine;
const sockets: WebSocket[] = [];
beforeEach(async () => {
  e = await startSecureEngine({ ...TEST_AUTH, maxStreamsPerCredential: 3, limits: { wsMaxPayloadBytes: 4096, bodyLimitBytes: 65_536, maxStringLength: 1_000 } });
});
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await e.close();
});

const MB = 'x'.repeat(1_000_000);

function connect(path: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${e.wsBase}${path}`, { headers });
    sockets.push(ws);
    ws.once('open', () => resolve({ ws, status: 101 }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode ?? 0 }));
    ws.once('error', reject);
  });
}

describe('strings and bodies', () => {
  it('refuses over-long names, endpoints and reasons with 400 and echoes at most a bounded excerpt', async () => {
    const long = 'y'.repeat(5_000);
    const replies = [
      await e.http('POST', '/api/agents', { key: KEYS.admin, body: { id: '3001', name: long } }),
      await e.http('POST', '/api/agents/1001/login', { key: KEYS.admin, body: { endpoint: `PJSIP/${long}` } }),
      await e.http('POST', '/api/agents/1001/not-ready', { key: KEYS.admin, body: { reason: long } }),
    ];
    for (const res of replies) {
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation');
      expect(res.text.length).toBeLessThan(600);
    }
    expect(await e.h.store.getAgent('3001')).toBeUndefined();
    // Too long a path parameter is Fastify's 414, in our error shape.
    const url = await e.http('GET', `/api/agents/${long}`, { key: KEYS.admin });
    expect(url).toMatchObject({ status: 414, body: { status: 'error', code: 'validation' } });
    expect(url.text.length).toBeLessThan(600);
  });

  it('refuses a body above bodyLimitBytes with 413 in the error shape', async () => {
    const res = await e.http('POST', '/api/agents', { key: KEYS.admin, body: { id: '3001', name: MB } });
    expect(res).toMatchObject({ status: 413, body: { status: 'error', code: 'validation' } });
    expect(res.text.length).toBeLessThan(600);
  });
});

describe('WebSockets', () => {
  it('closes a CTI socket that sends a frame above wsMaxPayloadBytes (1009), and a ticket socket too', async () => {
    const { ws } = await connect('/api/cti/ws/agents/1001', { 'x-api-key': KEYS.agent1001 });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(10_000));
    expect(await closed).toBe(1009);

    const { ticket } = (await e.http('POST', '/api/tickets', { key: KEYS.agent1001, body: { agents: ['1001'] } })).body as { ticket: string };
    const t = await connect(`/api/tickets/${ticket}/websocket`);
    expect(t.status).toBe(101);
    const tClosed = new Promise<number>((resolve) => t.ws.once('close', (code) => resolve(code)));
    t.ws.send('x'.repeat(10_000));
    expect(await tClosed).toBe(1009);
  });

  it('counts CTI sessions in maxStreamsPerCredential and frees the place when one closes', async () => {
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await connect('/api/cti/ws/agents/1001', { 'x-api-key': KEYS.agent1001 }));
    expect(open.map((c) => c.status)).toEqual([101, 101, 101]);
    expect((await connect('/api/cti/ws/agents/1001', { 'x-api-key': KEYS.agent1001 })).status).toBe(429);
    // Another credential has its own places.
    expect((await connect('/api/cti/ws/supervisors/sup1', { 'x-api-key': KEYS.supervisor })).status).toBe(101);
    open[0]!.ws.close();
    await waitUntil(async () => (await connect('/api/cti/ws/agents/1001', { 'x-api-key': KEYS.agent1001 })).status === 101, 'a place freed by the closed session');
  });
});
