/**
 * Degraded modes of the whole engine (src/app.ts): the HTTP API stays up while Redis or ARI is
 * down, answers 503 with a stable code at once, and recovers without a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startAcd, type RunningAcd } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freeLoopbackPort, launchRedisServer, type LaunchedRedis } from '../../src/infra/redisServer.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { freshPrefix } from '../helpers/redis.js';
import { waitUntil } from '../api/waitUntil.js';

const FILE = {
  queues: [{ id: 'sales', ringTimeoutS: 5 }],
  agents: [{ id: '1001', endpoint: 'PJSIP/1001', queues: ['sales'] }],
  auth: { destinationAllowList: ['2000'] },
};

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function redisOn(port: number): Promise<LaunchedRedis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'acd-degraded-'));
  const redis = await launchRedisServer({ port, dir, persistence: 'none' });
  cleanups.push(() => rm(dir, { recursive: true, force: true }), () => redis.stop());
  return redis;
}

async function simOn(port: number): Promise<Simulator> {
  const sim = await startSimulator({ port });
  cleanups.push(() => sim.close().catch(() => undefined));
  return sim;
}

async function acdWith(redisUrl: string, ariUrl: string): Promise<RunningAcd> {
  const config = loadConfig({ ARI_URL: ariUrl, HTTP_PORT: '0', ACD_TENANT: freshPrefix(), LOG_LEVEL: 'silent' }, FILE);
  const acd = await startAcd({ ...config, redisUrl, ari: { ...config.ari } }, pino({ level: 'silent' }), {});
  cleanups.push(() => acd.close());
  return acd;
}

async function timed(url: string, init?: RequestInit): Promise<{ status: number; body: { code?: string; status?: string; checks?: Record<string, { up: boolean; detail: string }> }; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(url, init);
  const body = (await res.json()) as { code?: string };
  return { status: res.status, body, ms: performance.now() - t0 };
}

const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };

describe('Redis down', () => {
  it('answers 503 redis_unavailable at once, keeps /healthz, and re-applies the configuration when Redis comes back empty', async () => {
    const port = await freeLoopbackPort();
    let redis = await redisOn(port);
    const sim = await simOn(0);
    const acd = await acdWith(redis.url, sim.url);
    await acd.ready;
    await waitUntil(async () => (await timed(`${acd.httpUrl}/readyz`)).status === 200, 'ready');
    expect((await timed(`${acd.httpUrl}/api/queues/sales`)).status).toBe(200);

    await redis.stop();
    await waitUntil(() => !acd.health.isUp('redis'), 'Redis seen down');
    const refused = await timed(`${acd.httpUrl}/api/agents`);
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('redis_unavailable');
    expect(refused.ms).toBeLessThan(1_000);
    console.log(`figure: 503 redis_unavailable answered in ${refused.ms.toFixed(1)} ms`);
    expect((await timed(`${acd.httpUrl}/healthz`)).status).toBe(200);
    const notReady = await timed(`${acd.httpUrl}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks?.redis?.up).toBe(false);

    // Back without persistence: empty. The engine writes its configuration again by itself.
    redis = await redisOn(port);
    await waitUntil(async () => (await timed(`${acd.httpUrl}/api/queues/sales`)).status === 200, 'queue sales configured again', 10_000);
    expect((await timed(`${acd.httpUrl}/api/agents/1001`)).status).toBe(200);
    // Readiness follows the health checks, which notice Redis on their own beat; a failure names the check still down.
    let checks: unknown;
    await waitUntil(async () => {
      const ready = await timed(`${acd.httpUrl}/readyz`);
      checks = ready.body.checks;
      return ready.status === 200;
    }, 'ready again').catch((err: unknown) => {
      throw new Error(`${String(err)}; last checks ${JSON.stringify(checks)}`);
    });
  });
});

describe('ARI down', () => {
  it('serves the API while ARI is unreachable at start, with PBX commands refused as 503 pbx_unavailable, and gets ready when ARI comes', async () => {
    const redisPort = await freeLoopbackPort();
    const redis = await redisOn(redisPort);
    const ariPort = await freeLoopbackPort();
    const acd = await acdWith(redis.url, `http://127.0.0.1:${ariPort}`);

    // The API answers although ARI never connected.
    expect((await timed(`${acd.httpUrl}/healthz`)).status).toBe(200);
    await waitUntil(async () => (await timed(`${acd.httpUrl}/api/queues/sales`)).status === 200, 'configuration written');
    const notReady = await timed(`${acd.httpUrl}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks?.ari?.up).toBe(false);
    expect(notReady.body.checks?.redis?.up).toBe(true);

    // Agent state needs Redis only: it works. Dialing needs the PBX: 503 at once.
    expect((await timed(`${acd.httpUrl}/api/agents/1001/login`, post)).status).toBe(200);
    const dial = await timed(`${acd.httpUrl}/originate/1001/2000`, post);
    expect(dial.status).toBe(503);
    expect(dial.body.code).toBe('pbx_unavailable');
    expect(dial.ms).toBeLessThan(1_000);
    console.log(`figure: 503 pbx_unavailable answered in ${dial.ms.toFixed(1)} ms`);

    await simOn(ariPort);
    await waitUntil(async () => (await timed(`${acd.httpUrl}/readyz`)).status === 200, 'ready after ARI came', 15_000);
  });

  it('goes not-ready when ARI drops mid-run, refuses PBX commands with 503, and recovers without a restart', async () => {
    const redis = await redisOn(await freeLoopbackPort());
    const ariPort = await freeLoopbackPort();
    const sim = await simOn(ariPort);
    const acd = await acdWith(redis.url, sim.url);
    await acd.ready;
    await waitUntil(async () => (await timed(`${acd.httpUrl}/readyz`)).status === 200, 'ready');
    expect((await timed(`${acd.httpUrl}/api/agents/1001/login`, post)).status).toBe(200);

    await sim.close();
    await waitUntil(() => !acd.health.isUp('ari'), 'ARI seen down', 10_000);
    const readyz = await timed(`${acd.httpUrl}/readyz`);
    expect(readyz.status).toBe(503);
    expect(readyz.body.checks?.ari?.up).toBe(false);
    const dial = await timed(`${acd.httpUrl}/originate/1001/2000`, post);
    expect(dial.status).toBe(503);
    expect(dial.body.code).toBe('pbx_unavailable');
    expect((await timed(`${acd.httpUrl}/api/agents/1001`)).status).toBe(200);

    await simOn(ariPort);
    await waitUntil(async () => (await timed(`${acd.httpUrl}/readyz`)).status === 200, 'ready again', 15_000);
  });
});
