/**
 * The Redis side of one queue call, alone: the store steps a call takes in
 * `npm run bench:asterisk` (join with its routing decision, ringing, connect, the entry finished,
 * the agent hanging up) against an idle private Redis, one call after the other, 100 ready agents
 * in one queue. Prints per call: the scripts run and their µs (Redis's own figure, which contains
 * the commands they run), the commands the scripts ran and their µs, so the Lua outside commands,
 * and the client's wall time. The engine's figures under load are bench:asterisk's; this one
 * isolates the scripts (what a change to the Lua saves) from the box's drift.
 *
 *   npm run bench:cycle [-- --calls 3000 --repeat 3]   (REDIS_URL: an existing Redis instead)
 * The Lua outside commands is the scripts' µs less the commands' (the finished entry's HDEL, ~0.3 µs, among them).
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { commandStats, isScriptCommand } from './commandStats.js';
import { ensureRedis } from '../src/infra/redisServer.js';
import { dropTenant } from '../src/store/dropTenant.js';
import { createRedisStore, type RedisStore } from '../src/store/redisStore.js';

const { values: flags } = parseArgs({ options: { calls: { type: 'string', default: '3000' }, repeat: { type: 'string', default: '3' } } });
const CALLS = Number(flags.calls);
const AGENTS = 100;
const TENANT = 'callcycle';

/** Script runs and µs (FCALL / EVALSHA), and the other commands and µs, from INFO commandstats. */
async function scriptAndCommandTotals(redis: Redis): Promise<{ scripts: number; scriptUs: number; commands: number; commandUs: number }> {
  const totals = { scripts: 0, scriptUs: 0, commands: 0, commandUs: 0 };
  for (const [name, { calls, usec }] of await commandStats(redis)) {
    if (/^(info|config)/.test(name)) continue; // our own probes
    const script = isScriptCommand(name);
    totals[script ? 'scripts' : 'commands'] += calls;
    totals[script ? 'scriptUs' : 'commandUs'] += usec;
  }
  return totals;
}

async function setUp(store: RedisStore): Promise<void> {
  await store.upsertQueue({ id: 'q', name: 'q', strategy: 'longest-idle', ringTimeoutS: 15, wrapupS: 0, musicClass: 'default' });
  for (let i = 0; i < AGENTS; i++) {
    const id = String(1001 + i);
    await store.upsertAgent({ id, name: id, endpoint: `Local/${id}@agents`, queues: [{ queue: 'q', penalty: 0 }] });
    await store.login(id, undefined, { by: 'agent', ready: true });
  }
}

let seq = 0;
/** One call, as the engine's steps make it when an agent is free and answers at once. */
async function oneCall(store: RedisStore): Promise<void> {
  const callId = `c${++seq}`;
  const callerChannel = `caller-${seq}`;
  const joined = await store.enqueue({ callId, queue: 'q', callerChannel, callerNumber: '5551000', callerName: 'Caller', priority: 0, node: 'n1', recordEntry: true, routeWith: `agent-${seq}` });
  const offer = joined.route?.assignments[0];
  if (!offer) throw new Error(`call ${callId} was not offered: are the agents ready?`);
  await store.markRinging(callId, offer.agentChannel);
  await store.finishEntry('n1', callerChannel);
  if (!(await store.connectOffer(callId, offer.agentChannel, `bridge-${seq}`)).ok) throw new Error(`call ${callId} did not connect`);
  await store.endCall(callId, 'agent', offer.agentChannel);
}

async function main(): Promise<void> {
  const server = await ensureRedis();
  const redis = new Redis(server.url);
  const store = createRedisStore({ redis, tenant: TENANT });
  try {
    await dropTenant(redis, TENANT);
    await setUp(store);
    // Warm: Redis's and V8's first calls of each path are not what a running center pays.
    for (let i = 0; i < 300; i++) await oneCall(store);
    console.log(`call cycle on ${server.url}${server.started ? ' (private redis-server)' : ''}: ${CALLS} calls, ${AGENTS} ready agents`);
    for (let turn = 0; turn < Number(flags.repeat); turn++) {
      const before = await scriptAndCommandTotals(redis);
      const t0 = performance.now();
      for (let i = 0; i < CALLS; i++) await oneCall(store);
      const wallUs = ((performance.now() - t0) * 1000) / CALLS;
      const after = await scriptAndCommandTotals(redis);
      const per = (k: keyof typeof before) => (after[k] - before[k]) / CALLS;
      console.log(
        `per call: ${per('scripts').toFixed(1)} scripts ${per('scriptUs').toFixed(0)} µs | ${per('commands').toFixed(1)} commands ${per('commandUs').toFixed(0)} µs ` +
          `(the scripts' and the finished entry's) | Lua outside commands ${(per('scriptUs') - per('commandUs')).toFixed(0)} µs | client wall ${wallUs.toFixed(0)} µs`,
      );
    }
  } finally {
    await dropTenant(redis, TENANT);
    await store.close();
    redis.disconnect();
    await server.stop();
  }
}

await main();
