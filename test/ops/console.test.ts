/**
 * Console and CLI: log format by terminal, request logs at debug, `npm run demo` / `npm run sim`
 * on taken ports, every child stopped on SIGTERM, and a SIGKILLed demo's redis-server swept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Fastify, { LogController } from 'fastify';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiLogger } from '../../src/api/logging.js';
import { installRequestLog } from '../../src/api/requestLog.js';
import { isAlive } from '../../src/infra/processes.js';
import { PRIVATE_DIR_PREFIX, sweepOrphans } from '../../src/infra/privateRedisSweep.js';
import { answersPing } from '../../src/infra/redisServer.js';
import { logFormat } from '../../src/logger.js';
import { waitUntil } from '../api/waitUntil.js';

const TSX = path.resolve('node_modules/.bin/tsx');
const spawned: ChildProcess[] = [];
afterAll(() => {
  for (const child of spawned) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function run(script: string, env: Record<string, string>) {
  const child = spawn(TSX, [script], { env: { PATH: process.env.PATH, HOME: process.env.HOME, REDIS_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  spawned.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output, exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
}

/** Holds a loopback port, as another program would. */
async function occupy(): Promise<{ port: number; release: () => void }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, release: () => server.close() };
}

describe('logs', () => {
  it('are pretty on a terminal, JSON otherwise, LOG_FORMAT decides when set', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });

  it('writes request logs at debug, not info', async () => {
    const lines: { level: number; msg: string }[] = [];
    const sink = { write: (chunk: string) => lines.push(JSON.parse(chunk) as { level: number; msg: string }) };
    for (const level of ['info', 'debug']) {
      lines.length = 0;
      const app = Fastify({ loggerInstance: createApiLogger(pino({ level }, sink)), logController: new LogController({ disableRequestLogging: true }) });
      installRequestLog(app as never);
      app.get('/x', async () => 'ok');
      await app.inject({ url: '/x' });
      await app.close();
      const requestLines = lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed');
      if (level === 'info') expect(requestLines).toEqual([]);
      else expect(requestLines.map((l) => [l.level, l.msg])).toEqual([
        [20, 'incoming request'],
        [20, 'request completed'],
      ]);
    }
  });
});

describe('npm run sim', () => {
  it('takes another port when SIM_PORT is taken, says so, and stops on SIGTERM', async () => {
    const busy = await occupy();
    try {
      const sim = run('src/sim/main.ts', { SIM_PORT: String(busy.port) });
      await waitUntil(() => sim.output().includes('listening on'), 'simulator up', 20_000);
      expect(sim.output()).toContain(`port ${busy.port} is not available`);
      const url = /listening on (http:\/\/[^/\s]+)/.exec(sim.output())![1]!;
      expect(url).not.toContain(`:${busy.port}`);
      expect((await fetch(`${url}/ari/asterisk/info`, { headers: { authorization: `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}` } })).status).toBe(200);
      sim.child.kill('SIGTERM');
      expect(await sim.exited).toBe(0);
    } finally {
      busy.release();
    }
  });
});

describe('npm run demo', () => {
  const start = async (busyPort: number) => {
    const demo = run('src/demo.ts', { HTTP_PORT: String(busyPort), ACD_TENANT: `console${process.pid}` });
    await waitUntil(() => demo.output().includes('ACD demo running'), 'demo up', 30_000);
    const redisPort = Number(/Redis\s+redis:\/\/127\.0\.0\.1:(\d+)/.exec(demo.output())![1]);
    const api = /status page\s+(http:\/\/\S+?)\//.exec(demo.output())![1]!;
    return { ...demo, redisPort, api };
  };

  it('takes another HTTP port when 8080 (HTTP_PORT) is taken, says so, and SIGTERM stops it with its redis-server', { timeout: 90_000 }, async () => {
    const busy = await occupy();
    try {
      const demo = await start(busy.port);
      expect(demo.output()).toContain(`Port ${busy.port} is not available`);
      expect((await fetch(`${demo.api}/healthz`)).status).toBe(200);
      expect(await answersPing(demo.redisPort)).toBe(true);
      demo.child.kill('SIGTERM');
      expect(await demo.exited).toBe(0);
      expect(await answersPing(demo.redisPort)).toBe(false);
    } finally {
      busy.release();
    }
  });

  it('leaves no redis-server behind a SIGKILL: the next start sweeps it', { timeout: 90_000 }, async () => {
    const busy = await occupy();
    try {
      const demo = await start(busy.port);
      const redisPid = await privateRedisPid(demo.redisPort);
      const demoPid = Number((await readFile(`/proc/${redisPid}/stat`, 'utf8')).replace(/^.*\)\s*/s, '').split(' ')[1]);
      process.kill(demoPid, 'SIGKILL');
      await waitUntil(() => !isAlive(demoPid), 'demo killed');
      expect(isAlive(redisPid)).toBe(true);
      await sweepOrphans();
      expect(isAlive(redisPid)).toBe(false);
    } finally {
      busy.release();
    }
  });
});

/** The pid in the owner file of the private server on `port`. */
async function privateRedisPid(port: number): Promise<number> {
  for (const entry of (await readdir(os.tmpdir())).filter((e) => e.startsWith(PRIVATE_DIR_PREFIX))) {
    try {
      const { redis } = JSON.parse(await readFile(path.join(os.tmpdir(), entry, 'owner.json'), 'utf8')) as { redis: number };
      if ((await readFile(`/proc/${redis}/cmdline`, 'utf8')).includes(`:${port}`)) return redis;
    } catch {
      // another run's directory
    }
  }
  throw new Error(`no private redis-server on port ${port}`);
}
