/**
 * Routing micro benchmark: latency of the `assign` script (p50/p99) and routing decisions per
 * second, on a small and a large contact center. Each scenario loads its own tenant, routes
 * every caller an agent can take (triggered by queue), then fails those offers (callers back in
 * place, agents ready) and routes again triggered by agent, and deletes its keys.
 *
 *   npm run bench                     (starts a private redis-server unless REDIS_URL is set)
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { ensureRedis } from '../src/infra/redisServer.js';
import { dropTenant } from '../src/store/dropTenant.js';
import { createRedisStore, type RedisStore } from '../src/store/redisStore.js';

interface Scenario {
  name: string;
  agents: number;
  callers: number;
  queues: number;
  /** Queues each agent serves (the reservation cost grows with it). */
  queuesPerAgent: number;
}

const SCENARIOS: Scenario[] = [
  { name: '100 agents / 100 callers / 1 queue', agents: 100, callers: 100, queues: 1, queuesPerAgent: 1 },
  { name: '5,000 agents / 10,000 callers / 500 queues', agents: 5_000, callers: 10_000, queues: 500, queuesPerAgent: 3 },
];
/** Stop measuring a phase after this long, whatever is left (keeps the run bounded). */
const PHASE_BUDGET_MS = 20_000;
/** Setup commands in flight at once (ioredis pipelines them on one connection). */
const SETUP_BATCH = 200;

async function inBatches<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += SETUP_BATCH) await Promise.all(items.slice(i, i + SETUP_BATCH).map(work));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const queueId = (i: number) => `q${i}`;

async function load(store: RedisStore, s: Scenario): Promise<void> {
  await inBatches(range(s.queues), (q) =>
    store.upsertQueue({ id: queueId(q), name: `Queue ${q}`, strategy: 'longest-idle', ringTimeoutS: 15, wrapupS: 0, musicClass: 'default' }),
  );
  await inBatches(range(s.agents), async (a) => {
    const queues = range(Math.min(s.queuesPerAgent, s.queues)).map((k) => ({ queue: queueId((a + k * 7) % s.queues), penalty: k }));
    await store.upsertAgent({ id: `a${a}`, name: `Agent ${a}`, endpoint: `PJSIP/a${a}`, queues });
    await store.login(`a${a}`, undefined, { by: 'bench', ready: true });
  });
  await inBatches(range(s.callers), (c) =>
    store.enqueue({ callId: `c${c}`, queue: queueId(c % s.queues), callerChannel: `ch${c}`, callerNumber: `${c}`, callerName: '', priority: c % 3, node: 'bench' }),
  );
}

interface PhaseResult {
  decisions: number;
  attempts: number;
  p50: number;
  p99: number;
  perSecond: number;
}

/** Runs `assign` once per trigger, sequentially, timing each call. */
async function measure(triggers: (() => Promise<unknown>)[]): Promise<PhaseResult> {
  const latencies: number[] = [];
  let decisions = 0;
  const started = performance.now();
  for (const trigger of triggers) {
    if (performance.now() - started > PHASE_BUDGET_MS) break;
    const t0 = performance.now();
    if ((await trigger()) !== null) decisions++;
    latencies.push(performance.now() - t0);
  }
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { decisions, attempts: latencies.length, p50: at(0.5), p99: at(0.99), perSecond: decisions / elapsedS };
}

const fmt = (r: PhaseResult) =>
  `${r.decisions}/${r.attempts} assigned, p50 ${(r.p50 * 1000).toFixed(0)} µs, p99 ${(r.p99 * 1000).toFixed(0)} µs, ${r.perSecond.toFixed(0)} decisions/s`;

async function runScenario(redis: Redis, s: Scenario): Promise<void> {
  const tenant = `bench-${randomUUID().slice(0, 8)}`;
  const store = createRedisStore({ redis, tenant });
  try {
    const loadStart = performance.now();
    await load(store, s);
    console.log(`\n${s.name}  (loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s)`);

    let leg = 0;
    const byQueue = range(s.callers).map((c) => () => store.assign({ queue: queueId(c % s.queues) }, `leg${++leg}`));
    console.log(`  assign by queue : ${fmt(await measure(byQueue))}`);

    // Every offer fails (agent busy): callers go back to their place, agents are ready again,
    // and each agent pulls the best caller across its queues.
    const offered = (await store.listCalls()).filter((c) => c.state === 'offering');
    await inBatches(offered, (c) => store.offerFailed(c.id, c.agentChannel, 'busy'));
    const byAgent = range(s.agents).map((a) => () => store.assign({ agentId: `a${a}` }, `leg${++leg}`));
    console.log(`  assign by agent : ${fmt(await measure(byAgent))}`);
  } finally {
    await dropTenant(redis, tenant);
    await store.close();
  }
}

async function main(): Promise<void> {
  const server = await ensureRedis();
  const redis = new Redis(server.url);
  try {
    console.log(`routing benchmark on ${server.url}${server.started ? ' (private redis-server)' : ''}`);
    for (const scenario of SCENARIOS) await runScenario(redis, scenario);
  } finally {
    await redis.quit();
    await server.stop();
  }
}

await main();
