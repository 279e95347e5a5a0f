/**
 * SSE fan-out benchmark: 2,000 concurrent subscribers of `GET /api/events` on loopback, each
 * receiving every event; prints p50 / p99 / max delivery latency (event timestamp set by Redis in
 * the Lua script that appends it → parsed by the client), i.e. store → stream → EventHub →
 * HTTP → client. The clients run in a child process so their parsing does not slow the server.
 * Bounded: about 10 s of events plus set-up.
 *
 *   npx tsx bench/sse.ts [subscribers=2000] [events=200]   (private redis-server unless REDIS_URL is set)
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createAdminCommands } from '../src/acd/adminCommands.js';
import { createAgentCommands } from '../src/acd/agentCommands.js';
import type { CallCommands } from '../src/acd/callCommands.js';
import { createEventHub } from '../src/api/eventHub.js';
import { buildApi } from '../src/api/server.js';
import { createApiServices } from '../src/api/services.js';
import { resolveAuthSettings } from '../src/auth/settings.js';
import { AcdError } from '../src/domain/errors.js';
import { ensureRedis } from '../src/infra/redisServer.js';
import { dropTenant } from '../src/store/dropTenant.js';
import { createRedisStore } from '../src/store/redisStore.js';

const SUBSCRIBERS = Number(process.argv[2] ?? 2_000);
const EVENTS = Number(process.argv[3] ?? 200);
const EVENT_INTERVAL_MS = 50;
const DEADLINE_MS = 60_000;

type ToParent = { ready: number } | { latencies: number[]; received: number };

/** Child: opens the subscribers, records latency of every event, reports when told to. */
function runClients(url: string, n: number): void {
  const latencies: number[] = [];
  let ready = 0;
  let received = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  for (let i = 0; i < n; i++) {
    http.get(`${url}/api/events`, { agent }, (res) => {
      let buffered = '';
      res.setEncoding('utf8');
      ready += 1;
      if (ready === n) process.send!({ ready } satisfies ToParent);
      res.on('data', (chunk: string) => {
        buffered += chunk;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (!data) continue;
          // Only the timestamp is needed; a regex keeps the client side cheap.
          latencies.push(Date.now() - Number(/"ts":(\d+)/.exec(data)![1]));
          received += 1;
        }
      });
    });
  }
  process.on('message', () => {
    // Exit only once the report has left (send is asynchronous).
    process.send!({ latencies, received } satisfies ToParent, () => process.exit(0));
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const logger = pino({ level: 'warn' });
  const redisHandle = await ensureRedis({ logger });
  const redis = new Redis(redisHandle.url, { maxRetriesPerRequest: null });
  const tenant = `bench-sse-${randomUUID().slice(0, 8)}`;
  const store = createRedisStore({ redis, tenant });
  await store.upsertQueue({ id: 'q', name: 'q', strategy: 'longest-idle', ringTimeoutS: 15, wrapupS: 0, musicClass: 'default' });
  await store.upsertAgent({ id: 'a', name: 'a', endpoint: 'PJSIP/a', queues: [{ queue: 'q', penalty: 0 }] });
  const reasons = { notReady: [{ code: 'break', label: 'Break' }], logout: [] };
  const hub = createEventHub(store, logger, { blockMs: 1_000 });
  await hub.start();
  const services = createApiServices({ redis, tenant, store, hub, logger, auth: resolveAuthSettings({ mode: 'open', maxStreamsPerCredential: 100_000 }), stats: { groups: {} } });
  const noCalls: CallCommands = { setPriority: () => Promise.reject(new AcdError('internal', 'bench')), withdraw: () => Promise.reject(new AcdError('internal', 'bench')), hangup: () => Promise.reject(new AcdError('internal', 'bench')) };
  const app = await buildApi({ store, agents: createAgentCommands(store, reasons, () => undefined), reasons, logger, events: hub, calls: noCalls, ...services, admin: createAdminCommands(services.admin, store, () => undefined) }, { sse: { heartbeatMs: 15_000, maxBufferedBytes: 4 << 20 } });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  // Where the time goes: the hub hands an event to a probe subscribed before every client (read
  // latency) and to one subscribed after them all (read + fan-out to every client's socket).
  const hubFirst: number[] = [];
  const hubLast: number[] = [];
  hub.subscribe(undefined, (e) => hubFirst.push(Date.now() - e.event.ts));

  const child = fork(new URL(import.meta.url).pathname, ['clients', url, String(SUBSCRIBERS)], { execArgv: process.execArgv });
  const fromChild = (pred: (m: ToParent) => boolean) =>
    new Promise<ToParent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench deadline passed')), DEADLINE_MS);
      child.on('message', (m: ToParent) => {
        if (pred(m)) {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
  const started = Date.now();
  await fromChild((m) => 'ready' in m);
  console.log(`${SUBSCRIBERS} SSE subscribers connected in ${Date.now() - started} ms`);
  // Let every subscription go live on the hub before the first event.
  await new Promise((r) => setTimeout(r, 500));
  hub.subscribe(undefined, (e) => hubLast.push(Date.now() - e.event.ts));

  await store.login('a', undefined, { by: 'bench' });
  for (let i = 1; i < EVENTS; i++) {
    await new Promise((r) => setTimeout(r, EVENT_INTERVAL_MS));
    if (i % 2 === 1) await store.setReady('a', { by: 'bench' });
    else await store.setNotReady('a', 'break', { by: 'bench' });
  }
  await new Promise((r) => setTimeout(r, 1_000));
  const reply = fromChild((m) => 'latencies' in m);
  child.send('report');
  const result = (await reply) as { latencies: number[]; received: number };
  const sorted = result.latencies.sort((a, b) => a - b);
  const expected = SUBSCRIBERS * EVENTS;
  console.log(`events: ${EVENTS} (one every ${EVENT_INTERVAL_MS} ms) × ${SUBSCRIBERS} subscribers = ${expected} deliveries; received ${result.received}`);
  console.log(`delivery latency ms: p50 ${percentile(sorted, 50)}  p99 ${percentile(sorted, 99)}  max ${sorted.at(-1)}`);
  const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q);
  console.log(`server side ms: stream read p50 ${p(hubFirst, 50)} p99 ${p(hubFirst, 99)}; read + fan-out to all sockets p50 ${p(hubLast, 50)} p99 ${p(hubLast, 99)}`);
  console.log(`p99 under 100 ms: ${percentile(sorted, 99) < 100 && result.received === expected ? 'yes' : 'NO'}`);

  await app.close();
  await services.projector.stop();
  await hub.stop();
  await dropTenant(redis, tenant);
  await store.close();
  redis.disconnect();
  await redisHandle.stop();
}

if (process.argv[2] === 'clients') runClients(process.argv[3]!, Number(process.argv[4]));
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
