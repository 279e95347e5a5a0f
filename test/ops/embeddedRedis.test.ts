/**
 * `npm start` (src/main.ts) as a real child process: Redis is required, `--embedded-redis DIR`
 * keeps waiting calls across a restart (clean or killed), and SIGTERM stops the engine and its
 * redis-server promptly even while ARI is unreachable.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, parentOf } from '../../src/infra/processes.js';
import { freeLoopbackPort } from '../../src/infra/redisServer.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { waitUntil } from '../api/waitUntil.js';

let dir: string;
let configFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'acd-embedded-'));
  configFile = path.join(dir, 'acd.json');
  await writeFile(configFile, JSON.stringify({ queues: [{ id: 'sales' }], agents: [{ id: '1001', endpoint: 'PJSIP/1001', queues: ['sales'] }] }));
});
const spawned: ChildProcess[] = [];
afterAll(async () => {
  // A failed test must not leave engines or their redis-servers behind: each runs in its own process group.
  for (const child of spawned) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone already: nothing left behind
    }
  }
  await rm(dir, { recursive: true, force: true });
});

interface Engine {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startEngine(args: string[], env: Record<string, string>): Engine {
  // As `npm start` runs it: node with tsx as a loader, one process that gets the signal itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ACD_CONFIG: configFile, LOG_LEVEL: 'info', ACD_TENANT: 'embedded', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  spawned.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function get(url: string): Promise<{ status: number; body: unknown }> {
  try {
    const res = await fetch(url);
    return { status: res.status, body: await res.json() };
  } catch {
    return { status: 0, body: undefined };
  }
}

const redisPid = async (dataDir: string) => (JSON.parse(await readFile(path.join(dataDir, 'acd-redis.json'), 'utf8')) as { pid: number }).pid;

describe('npm start', () => {
  it('refuses to start without REDIS_URL or --embedded-redis, naming both', async () => {
    const engine = startEngine([], { ARI_URL: 'http://127.0.0.1:1' });
    expect(await engine.exited).toBe(2);
    expect(engine.output()).toMatch(/REDIS_URL.*--embedded-redis/s);
  });

  it('validates a config file with --check-config', async () => {
    const ok = startEngine(['--check-config', configFile], {});
    expect(await ok.exited).toBe(0);
    expect(ok.output()).toContain('1 queues, 1 agents');
    const badFile = path.join(dir, 'bad.yaml');
    await writeFile(badFile, 'queues:\n  - id: sales\n    ringTimeoutS: 0\n');
    const bad = startEngine(['--check-config', badFile], {});
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toContain('queues[0].ringTimeoutS');
  });
});

describe('--embedded-redis', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0 });
  });
  afterAll(() => sim.close());

  it('keeps waiting calls across a clean restart and across a SIGKILL of the engine', { timeout: 240_000 }, async () => {
    const dataDir = path.join(dir, 'data');
    const port = String(await freeLoopbackPort());
    const env = { ARI_URL: sim.url, HTTP_PORT: port };
    const base = `http://127.0.0.1:${port}`;
    const waiting = async () => {
      const r = await get(`${base}/api/queues/sales/calls`);
      return r.status === 200 ? (r.body as { waiting: { id: string }[] }).waiting.map((c) => c.id).sort() : undefined;
    };

    let engine = startEngine(['--embedded-redis', dataDir], env);
    await waitUntil(async () => (await get(`${base}/readyz`)).status === 200, 'first engine ready', 60_000);
    const callers = [sim.placeCall({ queue: 'sales', holdMs: 600_000 }), sim.placeCall({ queue: 'sales', holdMs: 600_000 })];
    await waitUntil(async () => (await waiting())?.length === 2, 'two callers waiting');
    const before = await waiting();

    // Clean stop: the redis-server writes its AOF and stops with the engine.
    const firstRedis = await redisPid(dataDir);
    engine.child.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
    expect(isAlive(firstRedis)).toBe(false);

    engine = startEngine(['--embedded-redis', dataDir], env);
    await waitUntil(async () => (await get(`${base}/readyz`)).status === 200, 'second engine ready', 60_000);
    expect(await waiting()).toEqual(before);

    // Killed (the engine's node process, as the OOM killer would): its redis-server is left
    // running; the next start stops it and keeps the data.
    const orphan = await redisPid(dataDir);
    process.kill(parentOf(orphan)!, 'SIGKILL');
    await engine.exited;
    expect(isAlive(orphan)).toBe(true);
    engine = startEngine(['--embedded-redis', dataDir], env);
    await waitUntil(async () => (await get(`${base}/readyz`)).status === 200, 'third engine ready', 60_000);
    expect(isAlive(orphan)).toBe(false);
    expect(await waiting()).toEqual(before);
    expect(engine.output()).toContain('still serves this data directory');
    for (const c of callers) expect(sim.channels().some((ch) => ch.id === c)).toBe(true);

    const lastRedis = await redisPid(dataDir);
    engine.child.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
    expect(isAlive(lastRedis)).toBe(false);
  });

  it('stops promptly on SIGTERM while ARI is unreachable, its redis-server too', { timeout: 60_000 }, async () => {
    const dataDir = path.join(dir, 'data-noari');
    const port = String(await freeLoopbackPort());
    const engine = startEngine(['--embedded-redis', dataDir], { ARI_URL: `http://127.0.0.1:${await freeLoopbackPort()}`, HTTP_PORT: port });
    await waitUntil(async () => (await get(`http://127.0.0.1:${port}/healthz`)).status === 200, 'engine listening', 60_000);
    const readyz = await get(`http://127.0.0.1:${port}/readyz`);
    expect(readyz.status).toBe(503);
    const redis = await redisPid(dataDir);

    const t0 = performance.now();
    engine.child.kill('SIGTERM');
    expect(await engine.exited).toBe(0);
    const ms = performance.now() - t0;
    console.log(`figure: SIGTERM with ARI unreachable: exited in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(10_000);
    expect(isAlive(redis)).toBe(false);
  });
});
