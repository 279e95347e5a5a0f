/**
 * Read endpoints benchmark: the cost of each read (`/metrics`, queues, wallboard, statistics,
 * one queue's calls, PBXIS queue status, Live Queue count) with 10, 1,000 and 5,000 agents. The
 * queue the member-listing reads ask about keeps the same 5 members and its 20 callers, the
 * tenant the same 10 queues; only the other queues' agents grow. Printed per endpoint and size:
 * Redis commands per read (every one, Lua-internal included, from INFO commandstats), Redis time
 * per read (µs, the same source) and the client-side p50 (ms, Fastify inject, so no socket).
 * Verdict: the Redis time at 5,000 agents within 25% of the one at 10, and the same commands.
 * The sizes share one Redis and take turns, five times, and the best turn counts (other
 * processes only ever add time).
 *
 *   npm run bench:reads              (starts a private redis-server unless REDIS_URL is set)
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { commandStats, isScriptCommand } from './commandStats.js';
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
import { createRedisStore, type RedisStore } from '../src/store/redisStore.js';

const SIZES = [10, 1_000, 5_000];
const QUEUES = 10;
const CALLERS = 20;
const REQUESTS = 200;
const REPEATS = 5;
const KEY = 'bench-supervisor-key-0123456789';
const SETUP_BATCH = 200;

interface Read {
  name: string;
  method: 'GET' | 'POST';
  url: string;
  body?: object;
}

const READS: Read[] = [
  { name: 'GET /metrics', method: 'GET', url: '/metrics' },
  { name: 'GET /api/queues', method: 'GET', url: '/api/queues' },
  { name: 'GET /api/wallboard', method: 'GET', url: '/api/wallboard' },
  { name: 'POST /api/stats/count', method: 'POST', url: '/api/stats/count', body: {} },
  { name: 'GET /api/queues/q0/calls', method: 'GET', url: '/api/queues/q0/calls' },
  { name: 'GET /queue/status?queue=q0', method: 'GET', url: '/queue/status?queue=q0' },
  { name: 'POST Live Queue count (q0)', method: 'POST', url: '/api/v2/liveQueue/count', body: { filter: [{ field: 'campId', value: ['q0'] }] } },
];

interface Cost {
  commands: number;
  redisUs: number;
  p50: number;
}

const NO_ENGINE: CallCommands = {
  setPriority: () => Promise.reject(new AcdError('internal', 'no engine in this benchmark')),
  withdraw: () => Promise.reject(new AcdError('internal', 'no engine in this benchmark')),
  hangup: () => Promise.reject(new AcdError('internal', 'no engine in this benchmark')),
};

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
async function inBatches<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += SETUP_BATCH) await Promise.all(items.slice(i, i + SETUP_BATCH).map(work));
}

/**
 * q0 has agents a0-a4; the others serve two of q1-q9, a5-a9 ready so that every queue has a ready
 * member at every size (the wait estimate's work depends on it). Of the rest 3 in 4 are logged in,
 * one in 4 on a break. The callers wait in q0 (elsewhere the wait estimate would return early at
 * one size and not at another, as ready members outnumber the callers or not), one is offered.
 */
async function load(store: RedisStore, agents: number): Promise<void> {
  await inBatches(range(QUEUES), (q) => store.upsertQueue({ id: `q${q}`, name: `Queue ${q}`, strategy: 'longest-idle', ringTimeoutS: 15, wrapupS: 0, musicClass: 'default' }));
  const queuesOf = (a: number) => (a < 5 ? ['q0'] : a < 10 ? [`q${1 + 2 * (a - 5)}`, `q${1 + ((2 * (a - 5) + 1) % 9)}`] : [`q${1 + (a % 9)}`, `q${1 + ((a + 4) % 9)}`]);
  const mix = (a: number) => a < 5 || a >= 10;
  await inBatches(range(agents), async (a) => {
    const id = `a${a}`;
    await store.upsertAgent({ id, name: id, endpoint: `PJSIP/${id}`, queues: queuesOf(a).map((queue) => ({ queue, penalty: 0 })) });
    if (mix(a) && a % 4 === 3) return;
    await store.login(id, undefined, { by: 'agent', ready: !mix(a) || a % 4 !== 2 });
    if (mix(a) && a % 4 === 2) await store.setNotReady(id, a % 8 === 2 ? 'lunch' : 'break', { by: 'agent' });
  });
  for (const c of range(CALLERS)) {
    await store.enqueue({ callId: `c${c}`, queue: 'q0', callerChannel: `ch${c}`, callerNumber: `555${c}`, callerName: '', priority: 0, node: 'bench' });
  }
  // One offered caller: the others wait.
  await store.route({ queue: 'q0' }, `leg-${randomUUID()}`);
}

/**
 * Every command Redis ran so far (a script's own commands included) and the µs spent in them
 * (INFO commandstats). A script's time already contains its commands' time, so only the
 * commands' time is summed: no command counts twice.
 */
async function commandTotals(redis: Redis): Promise<{ calls: number; usec: number }> {
  let calls = 0;
  let usec = 0;
  for (const [name, stat] of await commandStats(redis)) {
    if (name === 'info') continue; // our own probe
    calls += stat.calls;
    if (!isScriptCommand(name)) usec += stat.usec;
  }
  return { calls, usec };
}

interface Center {
  agents: number;
  inject(read: Read): Promise<{ statusCode: number; body: string }>;
  close(): Promise<void>;
}

/** One tenant with `agents` agents and the HTTP layer over it (no event hub or projector runs: the reads alone reach Redis). */
async function openCenter(url: string, agents: number): Promise<Center> {
  const tenant = `bench-reads-${randomUUID().slice(0, 8)}`;
  const logger = pino({ level: 'silent' });
  const client = new Redis(url);
  const store = createRedisStore({ redis: client, tenant });
  const hub = createEventHub(store, logger, { blockMs: 50 });
  await load(store, agents);
  const auth = resolveAuthSettings({ mode: 'keys', apiKeys: [{ key: KEY, role: 'supervisor', name: 'bench' }] });
  const services = createApiServices({ redis: client, tenant, store, hub, logger, auth, stats: { groups: {} } });
  const noReasons = { notReady: [], logout: [] };
  const app = await buildApi({ store, agents: createAgentCommands(store, noReasons, () => undefined), reasons: noReasons, logger, events: hub, calls: NO_ENGINE, ...services, admin: createAdminCommands(services.admin, store, () => undefined) });
  return {
    agents,
    inject: async (read) => app.inject({ method: read.method, url: read.url, headers: { 'x-api-key': KEY }, ...(read.body ? { payload: read.body } : {}) }),
    async close() {
      await app.close();
      await dropTenant(client, tenant);
      await store.close();
      await client.quit();
    },
  };
}

/** REQUESTS reads of `read`, one after the other. */
async function measure(redis: Redis, center: Center, read: Read): Promise<Cost> {
  const before = await commandTotals(redis);
  const ms: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    const res = await center.inject(read);
    ms.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`${read.name}: HTTP ${res.statusCode} ${res.body}`);
  }
  const after = await commandTotals(redis);
  ms.sort((a, b) => a - b);
  return { commands: (after.calls - before.calls) / REQUESTS, redisUs: (after.usec - before.usec) / REQUESTS, p50: ms[Math.floor(ms.length / 2)]! };
}

async function main(): Promise<void> {
  const server = await ensureRedis();
  const redis = new Redis(server.url);
  // Every size lives in the same Redis at once, and the sizes take turns per endpoint: they see
  // the same keyspace, caches and machine load, so only their own data differs.
  const centers: Center[] = [];
  try {
    for (const size of SIZES) centers.push(await openCenter(server.url, size));
    console.log(`read endpoints benchmark on ${server.url}${server.started ? ' (private redis-server)' : ''}; ${REQUESTS} reads each, best of ${REPEATS} turns per size`);
    const best = new Map<number, Map<string, Cost>>(SIZES.map((s) => [s, new Map()]));
    for (const read of READS) {
      for (const center of centers) await measure(redis, center, read); // warm-up: script cache, JIT
      for (let rep = 0; rep < REPEATS; rep++) {
        for (const center of centers) {
          const cost = await measure(redis, center, read);
          const prev = best.get(center.agents)!.get(read.name);
          if (!prev || cost.redisUs < prev.redisUs) best.get(center.agents)!.set(read.name, { ...cost, p50: Math.min(cost.p50, prev?.p50 ?? Infinity) });
        }
      }
    }
    console.log(`\n${'endpoint'.padEnd(30)} ${SIZES.map((s) => `${s} agents: cmds / Redis µs / p50 ms`.padEnd(40)).join('')}`);
    let allOk = true;
    const verdicts: string[] = [];
    for (const read of READS) {
      const row = SIZES.map((s) => best.get(s)!.get(read.name)!);
      console.log(`${read.name.padEnd(30)} ${row.map((c) => `${c.commands.toFixed(0)} / ${c.redisUs.toFixed(0)} / ${c.p50.toFixed(2)}`.padEnd(40)).join('')}`);
      const [small, , large] = row as [Cost, Cost, Cost];
      const ratio = large.redisUs / small.redisUs;
      const ok = ratio <= 1.25 && large.commands === small.commands;
      allOk &&= ok;
      verdicts.push(`  ${read.name.padEnd(30)} Redis time ${SIZES[2]}/${SIZES[0]} agents ${ratio.toFixed(2)}, commands ${large.commands.toFixed(0)} vs ${small.commands.toFixed(0)}, client p50 ${(large.p50 / small.p50).toFixed(2)}  ${ok ? 'OK' : 'NOT OK'}`);
    }
    console.log('\nverdict (Redis time per read at 5,000 agents within 25% of 10 agents; same commands)');
    for (const line of verdicts) console.log(line);
    console.log(allOk ? '\nall flat within 25%' : '\nsome reads outside the bound (see above)');
    if (!allOk) process.exitCode = 1;
  } finally {
    for (const center of centers) await center.close();
    await redis.quit();
    await server.stop();
  }
}

await main();
