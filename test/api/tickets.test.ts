import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectTestRedis } from '../helpers/redis.js';
import { caller } from '../helpers/store.js';
import { type ApiHarness, startApi } from './apiHarness.js';
import { type HttpClient, httpClient, KEYS, TEST_AUTH } from './httpClient.js';
import { endStreams, openSse, type SseClient } from './sseClient.js';
import { waitUntil } from './waitUntil.js';

let api: ApiHarness;
let base: string;
let http: HttpClient;
let clients: SseClient[];

beforeEach(async () => {
  api = await startApi({ auth: { ...TEST_AUTH, ticketTtlS: 5 }, options: { sse: { heartbeatMs: 50, retryMs: 1_000 } } });
  base = await api.listen();
  http = httpClient(base);
  clients = [];
});
afterEach(async () => {
  for (const c of clients) c.close();
  await api.close();
});

async function ticket(body: unknown, key = KEYS.supervisor): Promise<string> {
  const res = await http('POST', '/api/tickets', { key, body });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ ticket: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), expiresInS: 5 });
  return res.body.ticket as string;
}

async function sse(path: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await openSse(base + path, headers);
  clients.push(client);
  if (client.status === 200) await waitUntil(() => client.frames.length > 0, 'the stream to open');
  return client;
}

/** Events about sales (c1, c2), about 2001 (support only) and about 1001 (sales member). */
async function traffic(): Promise<void> {
  await api.store.enqueue(caller('c1', 'sales'));
  await api.store.login('2001', undefined, { by: 't' });
  await api.store.login('1001', undefined, { by: 't' });
  await api.store.enqueue(caller('c2', 'sales'));
  await api.store.enqueue(caller('c3', 'support'));
}

/** Until one more subscriber than `before` takes live events: a request or socket the server is now serving. */
const oneMoreLive = (before: number) => waitUntil(() => api.hub.liveSubscribers() === before + 1, 'the server to subscribe');
/** The ids of the events a client got (the `close` frame at shutdown carries none). */
const ids = (client: SseClient) => client.events().filter((f) => f.event !== 'close').map((f) => f.id);
const visible = async (pred: (e: { type: string; queue?: string; agentId?: string }) => boolean) =>
  (await api.store.readEvents('0', { count: 1000 })).filter((e) => pred(e.event as never)).map((e) => e.id);

describe('POST /ticket', () => {
  it('refuses a request without a key, an empty scope, unknown agents and queues', async () => {
    expect((await http('POST', '/api/tickets', { body: { queues: ['sales'] } })).status).toBe(401);
    expect(await http('POST', '/api/tickets', { key: KEYS.supervisor, body: {} })).toMatchObject({ status: 400, body: { code: 'validation' } });
    expect(await http('POST', '/api/tickets', { key: KEYS.supervisor, body: { agents: ['ghost'] } })).toMatchObject({ status: 404, body: { code: 'agent_not_found' } });
    expect(await http('POST', '/api/tickets', { key: KEYS.supervisor, body: { queues: ['nope'] } })).toMatchObject({ status: 404, body: { code: 'queue_not_found' } });
    expect(await http('POST', '/api/tickets', { key: KEYS.supervisor, body: { queues: 'sales' } })).toMatchObject({ status: 400, body: { code: 'validation' } });
  });

  it('gives an agent key tickets for itself and its own queues only', async () => {
    await ticket({ agents: ['1001'], queues: ['sales'] }, KEYS.agent1001);
    expect(await http('POST', '/api/tickets', { key: KEYS.agent1001, body: { agents: ['1002'] } })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await http('POST', '/api/tickets', { key: KEYS.agent1001, body: { queues: ['support'] } })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  });
});

describe('ticket streams', () => {
  it('SSE shows only the events of the ticket\'s agents and queues', async () => {
    const t = await ticket({ agents: ['2001'], queues: ['sales'] });
    const client = await sse(`/api/tickets/${t}/sse`);
    await traffic();
    const expected = await visible((e) => e.queue === 'sales' || e.agentId === '2001');
    expect(expected.length).toBe(3);
    await waitUntil(() => client.events().length === expected.length, 'the scoped events');
    await endStreams(() => api.app.close(), clients);
    expect(ids(client)).toEqual(expected);
  });

  it('SSE resumes with Last-Event-ID after a disconnect without gaps or duplicates', async () => {
    const t = await ticket({ queues: ['sales'] });
    const first = await sse(`/api/tickets/${t}/sse`);
    await api.store.enqueue(caller('c1', 'sales'));
    await waitUntil(() => first.events().length === 1, 'the first event');
    first.close();
    const lastSeen = first.events()[0]!.id!;
    await api.store.enqueue(caller('c2', 'sales'));
    await api.store.enqueue(caller('c4', 'sales'));
    const second = await sse(`/api/tickets/${t}/sse`, { 'last-event-id': lastSeen });
    await api.store.enqueue(caller('c5', 'sales'));
    const all = await visible((e) => e.queue === 'sales');
    await waitUntil(() => second.events().length === 3, 'the missed and new events');
    await endStreams(() => api.app.close(), clients);
    expect([lastSeen, ...ids(second)]).toEqual(all);
  });

  it('ends SSE with a close event when the server shuts down', async () => {
    const t = await ticket({ queues: ['sales'] });
    const client = await sse(`/api/tickets/${t}/sse`);
    await api.app.close();
    await client.ended;
    expect(client.frames.at(-1)).toMatchObject({ event: 'close' });
  });

  it('long-poll answers with events, resumes from `after` or from the ticket\'s last poll, and times out empty', async () => {
    const t = await ticket({ queues: ['sales'] });
    const empty = await http('GET', `/api/tickets/${t}/long-poll?timeoutMs=50`);
    expect(empty.body.events).toEqual([]);

    await traffic();
    const sales = await visible((e) => e.queue === 'sales');
    const first = await http('GET', `/api/tickets/${t}/long-poll?timeoutMs=1000&max=1`);
    expect(first.body.events.map((e: { id: string }) => e.id)).toEqual([sales[0]]);
    expect(first.body.events[0]).toMatchObject({ type: 'QueueCallerJoin', queue: 'sales', callId: 'c1' });
    // No `after`: continues where the ticket's last poll ended.
    const second = await http('GET', `/api/tickets/${t}/long-poll?timeoutMs=1000`);
    expect(second.body.events.map((e: { id: string }) => e.id)).toEqual([sales[1]]);
    // An explicit `after` re-reads from there (a client that lost an answer).
    const again = await http('GET', `/api/tickets/${t}/long-poll?timeoutMs=1000&after=${first.body.lastEventId}`);
    expect(again.body.events.map((e: { id: string }) => e.id)).toEqual([sales[1]]);

    // A poll waiting when the event happens gets it at once.
    const liveBefore = api.hub.liveSubscribers();
    const pending = http('GET', `/api/tickets/${t}/long-poll?timeoutMs=5000&after=${second.body.lastEventId}`);
    await oneMoreLive(liveBefore);
    await api.store.enqueue(caller('c9', 'sales'));
    const live = await pending;
    expect(live.body.events.map((e: { callId: string }) => e.callId)).toEqual(['c9']);
  });

  it('WebSocket delivers JSON events with a type and resumes from lastEventId', async () => {
    const t = await ticket({ queues: ['sales'] });
    const wsUrl = base.replace('http', 'ws');
    const open = (query = '') =>
      new Promise<{ ws: WebSocket; got: { id: string; type: string }[] }>((resolve, reject) => {
        const ws = new WebSocket(`${wsUrl}/api/tickets/${t}/websocket${query}`);
        const got: { id: string; type: string }[] = [];
        ws.on('message', (m) => got.push(JSON.parse(String(m)) as { id: string; type: string }));
        ws.once('open', () => resolve({ ws, got }));
        ws.once('error', reject);
      });
    const liveBefore = api.hub.liveSubscribers();
    const first = await open();
    await oneMoreLive(liveBefore);
    await api.store.enqueue(caller('c1', 'sales'));
    await waitUntil(() => first.got.length === 1, 'the first event');
    expect(first.got[0]).toMatchObject({ type: 'QueueCallerJoin', callId: 'c1' });
    first.ws.close();
    await api.store.enqueue(caller('c2', 'sales'));
    const second = await open(`?lastEventId=${first.got[0]!.id}`);
    await api.store.enqueue(caller('c3', 'sales'));
    await waitUntil(() => second.got.length === 2, 'missed and new events');
    // A last event: once it is here, anything sent in excess or twice before it would be too.
    await api.store.enqueue(caller('c4', 'sales'));
    await waitUntil(() => second.got.length >= 3, 'the last event');
    second.ws.close();
    expect([first.got[0]!.id, ...second.got.map((e) => e.id)]).toEqual(await visible((e) => e.queue === 'sales'));
  });

  it('refuses unknown tickets on every transport with 401', async () => {
    const fake = 'A'.repeat(32);
    expect(await http('GET', `/api/tickets/${fake}/long-poll?timeoutMs=0`)).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    expect((await sse(`/api/tickets/${fake}/sse`)).status).toBe(401);
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/api/tickets/${fake}/websocket`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    expect(refused).toBe(401);
    const unknownPath = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/nothing/here`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => resolve(101));
    });
    expect(unknownPath).toBe(404);
  });

  it('renews a ticket on use and expires it when unused for its TTL', async () => {
    const t = await ticket({ queues: ['sales'] });
    const redis = connectTestRedis();
    try {
      const key = `${api.store.keys.prefix}ticket:${t}`;
      await redis.pexpire(key, 1_000);
      expect((await http('GET', `/api/tickets/${t}/long-poll?timeoutMs=0`)).status).toBe(200);
      expect(await redis.pttl(key)).toBeGreaterThan(4_000);
      await redis.pexpire(key, 50);
      await waitUntil(async () => (await redis.exists(key)) === 0, 'the ticket to expire');
      expect(await http('GET', `/api/tickets/${t}/long-poll?timeoutMs=0`)).toMatchObject({ status: 401, body: { code: 'unauthorized' } });
    } finally {
      redis.disconnect();
    }
  });
});
