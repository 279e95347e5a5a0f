/**
 * Redis failing under live calls (the whole engine, src/app.ts, over the simulator; a private
 * redis-server): what the PBX did meanwhile — an agent hanging up, a waiting caller hanging up, a
 * new caller — is applied once Redis answers again, and no caller or agent is left behind.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { EngineSettings } from '../../src/acd/context.js';
import { startAcd, type RunningAcd } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freeLoopbackPort, launchRedisServer, type LaunchedRedis } from '../../src/infra/redisServer.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { freshPrefix } from '../helpers/redis.js';
import { waitUntil } from '../api/waitUntil.js';

const FILE = {
  queues: [{ id: 'sales', ringTimeoutS: 5, wrapupS: 0 }],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['sales'] },
  ],
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  sim: Simulator;
  acd: RunningAcd;
  /** The engine's log messages so far. */
  logged: string[];
  /** The channel bridged with `caller`, if any. */
  bridgedWith(caller: string): string | undefined;
}

async function start(redis: LaunchedRedis, settings: Partial<EngineSettings> = {}): Promise<Setup> {
  const sim = await startSimulator({ port: 0 });
  cleanups.push(() => sim.close().catch(() => undefined));
  const config = loadConfig({ ARI_URL: sim.url, HTTP_PORT: '0', ACD_TENANT: freshPrefix(), LOG_LEVEL: 'silent' }, FILE);
  const logged: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push((JSON.parse(line) as { msg: string }).msg) });
  const acd = await startAcd({ ...config, redisUrl: redis.url, ari: { ...config.ari } }, logger, settings);
  cleanups.push(() => acd.close());
  await acd.ready;
  for (const id of ['a1', 'a2']) {
    sim.setEndpoint(`PJSIP/${id}`, { kind: 'answer', ringMs: 50 });
    await acd.engine.agents.login(id, { by: 'test', ready: true });
  }
  const bridgedWith = (caller: string) => sim.bridges().find((b) => b.channelIds.includes(caller) && b.channelIds.length === 2)?.channelIds.find((id) => id !== caller);
  return { sim, acd, logged, bridgedWith };
}

async function readyz(acd: RunningAcd): Promise<{ status: number; checks: Record<string, { up: boolean; detail: string }> }> {
  const res = await fetch(`${acd.httpUrl}/readyz`);
  return { status: res.status, checks: ((await res.json()) as { checks: Record<string, { up: boolean; detail: string }> }).checks };
}

/** A redis-server of its own; `restart()` starts it again (same port and directory) after a crash. */
async function privateRedis(persistence: 'aof' | 'none'): Promise<{ redis: LaunchedRedis; restart(): Promise<void> }> {
  const port = await freeLoopbackPort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'acd-redis-outage-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  let redis = await launchRedisServer({ port, dir, persistence });
  // Stopped after the engine (cleanups run last pushed first): an engine closing without Redis waits for it.
  cleanups.push(() => redis.stop());
  const restart = async () => {
    redis = await launchRedisServer({ port, dir, persistence });
  };
  return { redis, restart };
}

/** An engine that repairs 100 ms after a failed event; `refuseWrites` makes Redis refuse every write (maxmemory) or take them again. */
async function engineWithWritesToRefuse() {
  const { redis } = await privateRedis('none');
  const setup = await start(redis, { failureRepairDelayMs: 100 });
  const admin = new Redis(redis.url);
  cleanups.push(async () => admin.disconnect());
  const refuseWrites = async (refuse: boolean) => {
    await admin.config('SET', 'maxmemory', refuse ? '1' : '0');
  };
  return { ...setup, refuseWrites };
}

/** One caller talking to an agent, on engineWithWritesToRefuse. */
async function oneTalkingCall() {
  const setup = await engineWithWritesToRefuse();
  const caller = setup.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
  await waitUntil(() => setup.bridgedWith(caller) !== undefined, 'caller bridged');
  const leg = setup.bridgedWith(caller)!;
  const agentId = (await setup.acd.store.listCalls())[0]!.agentId!;
  return { ...setup, caller, leg, agentId };
}

it('a crash: what the PBX did while Redis was down is applied once it is back', async () => {
  const { redis, restart } = await privateRedis('aof');
  const { sim, acd, bridgedWith } = await start(redis);
  const first = sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
  await waitUntil(() => bridgedWith(first) !== undefined, 'first caller bridged');
  const second = sim.placeCall({ queue: 'sales', callerNumber: '5550002' });
  await waitUntil(() => bridgedWith(second) !== undefined, 'second caller bridged');
  const waiting = sim.placeCall({ queue: 'sales', callerNumber: '5550003' });
  await waitUntil(async () => (await acd.store.waitingCalls('sales')).length === 1, 'third caller waiting');
  const firstAgentLeg = bridgedWith(first)!;

  process.kill(redis.pid, 'SIGKILL');
  await waitUntil(() => !acd.health.isUp('redis'), 'Redis seen down');
  sim.hangup(firstAgentLeg); // the agent of the first call hangs up
  sim.hangup(waiting); // the waiting caller gives up
  const late = sim.placeCall({ queue: 'sales', callerNumber: '5550004' }); // a new caller
  await waitUntil(() => sim.channel(late)?.inStasis === true, 'new caller in Stasis');

  await restart();
  // The first call ends (its caller hung up), the freed agent takes the new caller, the second call goes on.
  await waitUntil(() => !sim.channel(first), 'first caller hung up');
  await waitUntil(() => bridgedWith(late) !== undefined, 'new caller bridged', 10_000);
  expect(bridgedWith(second)).toBeDefined();
  expect(sim.channel(waiting)).toBeUndefined();
  await waitUntil(async () => (await acd.store.waitingCalls('sales')).length === 0, 'queue empty');
  const agents = await Promise.all(['a1', 'a2'].map((id) => acd.store.getAgent(id)));
  expect(agents.map((a) => a?.status)).toEqual(['busy', 'busy']);
  expect((await acd.store.listCalls()).map((c) => c.callerChannel).sort()).toEqual([second, late].sort());
});

it('writes refused (maxmemory reached): an agent hang-up Redis did not take is repaired once it takes writes again', async () => {
  const { sim, acd, logged, bridgedWith, caller, leg, agentId, refuseWrites } = await oneTalkingCall();

  // Every write refused with OOM: the hang-up's handling fails, and so does the first repair.
  await refuseWrites(true);
  sim.hangup(leg);
  await waitUntil(() => logged.includes('event handling failed'), 'the hang-up failed');
  await waitUntil(() => logged.includes('reconcile after a failed event failed; trying again'), 'a repair failed');
  expect(sim.channel(caller)).toBeDefined();
  expect((await acd.store.getAgent(agentId))?.status).toBe('busy');
  // Not ready meanwhile, and /readyz says why.
  const notReady = await readyz(acd);
  expect(notReady.status).toBe(503);
  expect(notReady.checks.reconcile).toMatchObject({ up: false, detail: expect.stringContaining('OOM') as unknown });

  await refuseWrites(false);
  await waitUntil(() => !sim.channel(caller), 'caller hung up');
  await waitUntil(async () => (await acd.store.getAgent(agentId))?.status === 'ready', 'agent ready');
  expect(await acd.store.listCalls()).toEqual([]);
  await waitUntil(async () => (await readyz(acd)).status === 200, 'ready again');
  // The agent takes calls again.
  const next = sim.placeCall({ queue: 'sales', callerNumber: '5550002' });
  await waitUntil(() => bridgedWith(next) !== undefined, 'next caller bridged');
});

it('writes refused as ARI reconnects: what the socket missed is repaired once Redis takes writes again', async () => {
  const { sim, acd, logged, caller, leg, agentId, refuseWrites } = await oneTalkingCall();

  // The agent hangs up while the socket is down; the reconcile of the reconnect meets Redis refusing writes.
  await refuseWrites(true);
  sim.dropConnections({ refuseForMs: 300 });
  await waitUntil(() => !acd.health.isUp('ari'), 'ARI seen down');
  sim.hangup(leg);
  await waitUntil(() => logged.includes('reconcile failed'), 'the reconnect\'s reconcile failed');
  expect(sim.channel(caller)).toBeDefined();
  // The reconnect done but its reconcile not: not ready, however long it takes.
  await waitUntil(() => logged.includes('reconcile after a failed event failed; trying again'), 'a repair failed');
  expect((await readyz(acd)).checks.reconcile).toMatchObject({ up: false, detail: expect.stringContaining('OOM') as unknown });

  await refuseWrites(false);
  await waitUntil(() => !sim.channel(caller), 'caller hung up');
  await waitUntil(async () => (await acd.store.getAgent(agentId))?.status === 'ready', 'agent ready');
  await waitUntil(async () => (await readyz(acd)).status === 200, 'ready again');
});

it('writes refused as an agent rings out: the repair still counts the no-answer (RONA), the caller waits for the next agent', async () => {
  const { sim, acd, logged, refuseWrites } = await engineWithWritesToRefuse();
  await acd.engine.agents.logout('a2', { by: 'test' });
  sim.setEndpoint('PJSIP/a1', { kind: 'noanswer' });
  const caller = sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
  await waitUntil(async () => (await acd.store.getAgent('a1'))?.status === 'ringing', 'a1 ringing');

  // The ring times out (5 s) while Redis refuses writes: the leg's end is not taken.
  await refuseWrites(true);
  await waitUntil(() => logged.includes('event handling failed'), 'the ring-out failed', 10_000);
  await refuseWrites(false);
  await waitUntil(async () => (await acd.store.getCall(caller))?.state === 'waiting', 'caller waiting again');
  // The same script put the caller back and the agent not ready: not offered a second time.
  expect((await acd.store.getAgent('a1'))?.status).toBe('not_ready');
  expect(sim.channel(caller)?.inStasis).toBe(true);
});
