import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caller } from '../helpers/store.js';
import { type ApiHarness, startApi } from './apiHarness.js';
import { endStreams, openSse, type SseClient } from './sseClient.js';
import { waitUntil } from './waitUntil.js';

let api: ApiHarness;
let base: string;
let clients: SseClient[];

beforeEach(async () => {
  api = await startApi({ options: { sse: { heartbeatMs: 60, retryMs: 1_234 } } });
  base = await api.listen();
  clients = [];
});
afterEach(async () => {
  for (const c of clients) c.close();
  await api.close();
});

async function connect(query = '', headers: Record<string, string> = {}): Promise<SseClient> {
  const client = await openSse(`${base}/api/events${query}`, headers);
  clients.push(client);
  // The retry hint is written before the subscription; once it is here the client is live.
  await waitUntil(() => client.frames.length > 0, 'the stream to open');
  return client;
}

async function command(path: string, body: Record<string, unknown> = {}): Promise<void> {
  const res = await fetch(`${base}/api/agents/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
}

const endAll = () => endStreams(() => api.app.close(), clients);
const streamIds = async () => (await api.store.readEvents('0', { count: 1_000 })).map((e) => e.id);
const ids = (client: SseClient) => client.events().map((f) => f.id);

describe('GET /api/events (SSE)', () => {
  it('opens an event stream with a retry hint and delivers events live', async () => {
    const client = await connect();
    expect(client.status).toBe(200);
    expect(client.contentType).toMatch(/^text\/event-stream/);
    expect(client.frames[0]).toEqual({ retry: '1234' });

    await command('1001/login', { ready: true });
    await waitUntil(() => client.events().length === 1, 'the AgentStatus event');
    const [frame] = client.events();
    expect(frame!.id).toBe((await streamIds())[0]);
    expect(frame!.event).toBe('AgentStatus');
    expect(JSON.parse(frame!.data!)).toMatchObject({ type: 'AgentStatus', agentId: '1001', status: 'ready', previous: 'logged_out', by: 'api' });
  });

  it('filters by agent and by queue', async () => {
    const everything = await connect();
    const agent1001 = await connect('?agent=1001');
    const sales = await connect('?queue=sales');

    await command('1001/login');
    await command('2001/login');
    await api.store.enqueue(caller('c1', 'sales'));
    await api.store.enqueue(caller('c2', 'support'));

    await waitUntil(() => everything.events().length === 4, 'all four events');
    await endAll();
    expect(agent1001.events().map((f) => JSON.parse(f.data!))).toEqual([expect.objectContaining({ type: 'AgentStatus', agentId: '1001' })]);
    expect(sales.events().map((f) => JSON.parse(f.data!))).toEqual([expect.objectContaining({ type: 'QueueCallerJoin', callId: 'c1' })]);
  });

  it('resumes after a disconnect with exactly the missed events (Last-Event-ID), then live', async () => {
    const first = await connect();
    await command('1001/login');
    await command('1001/not-ready', { reason: 'break' });
    await waitUntil(() => first.events().length === 2, 'two events');
    const lastSeen = first.events()[1]!.id!;
    first.close();

    // Missed while disconnected.
    await command('1001/ready');
    await command('1002/login');
    await command('2001/login');

    const resumed = await connect('', { 'last-event-id': lastSeen });
    await waitUntil(() => resumed.events().length === 3, 'the missed events');
    await command('1001/logout');
    await waitUntil(() => resumed.events().length === 4, 'the live event');
    await endAll();
    const all = await streamIds();
    expect(all).toHaveLength(6);
    expect(ids(first)).toEqual(all.slice(0, 2));
    expect(ids(resumed)).toEqual(all.slice(2));
  });

  it('resumes from the lastEventId query too; the header (sent by a reconnecting browser) wins over it', async () => {
    await command('1001/login');
    await command('1002/login');
    await command('2001/login');
    const all = await streamIds();

    const byQuery = await connect(`?lastEventId=${all[0]}`);
    const headerWins = await connect(`?lastEventId=${all[0]}`, { 'last-event-id': all[1]! });
    await waitUntil(() => byQuery.events().length === 2 && headerWins.events().length === 1, 'the replays');
    await endAll();
    expect(ids(byQuery)).toEqual(all.slice(1));
    expect(ids(headerWins)).toEqual(all.slice(2));
  });

  it('drops a client that stops reading instead of buffering for it without bound', async () => {
    await api.close();
    api = await startApi({ options: { sse: { maxBufferedBytes: 256 * 1024 } } });
    base = await api.listen();
    const { port } = new URL(base);
    const liveBefore = api.hub.liveSubscribers();
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.write('GET /api/events HTTP/1.1\r\nHost: test\r\n\r\n');
    socket.pause();
    await waitUntil(() => api.hub.liveSubscribers() === liveBefore + 1, 'the stream to be live');
    // ~16 MB of events: more than the kernel's socket buffers hold.
    const bigName = 'x'.repeat(100_000);
    for (let i = 0; i < 160; i++) await api.store.enqueue(caller(`big${i}`, 'sales', { callerName: bigName }));
    await waitUntil(() => api.logs.some((l) => String(l.msg).startsWith('SSE client too slow')), 'the server to give up on the client', 10_000);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.resume();
    let closed = false;
    socket.on('error', () => {}); // the server resets the connection
    socket.on('close', () => (closed = true));
    await waitUntil(() => closed, 'the server to drop the client', 5_000);
    const delivered = received.split('event: QueueCallerJoin').length - 1;
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(160);
    expect(api.logs.some((l) => String(l.msg).startsWith('SSE client too slow'))).toBe(true);
  });

  it('sends heartbeat comments while idle', async () => {
    const client = await connect();
    await waitUntil(() => client.frames.some((f) => f.comment === 'heartbeat'), 'a heartbeat');
  });

  it('rejects a malformed Last-Event-ID with 400 validation', async () => {
    const res = await fetch(`${base}/api/events`, { headers: { 'last-event-id': 'yesterday' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ status: 'error', code: 'validation', message: expect.stringContaining('last-event-id') });
  });

  it('ends open streams when the server closes', async () => {
    const client = await connect();
    await api.app.close();
    await client.ended;
  });
});
