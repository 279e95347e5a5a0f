/**
 * A Redis for tests, the demo and benchmarks: the one in `REDIS_URL` when set, otherwise a
 * private `redis-server` on a free loopback port with persistence off, stopped by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { findOrInstall, PackageError, type InstallDeps } from './debianPackage.js';
import { portOrFree } from './ports.js';
import { PRIVATE_DIR_PREFIX, recordOwner, sweepOrphans } from './privateRedisSweep.js';

export interface RedisHandle {
  url: string;
  /** Stops the private server (no-op when `REDIS_URL` was used). */
  stop(): Promise<void>;
  /** True when this process started the server. */
  started: boolean;
}

export interface EnsureRedisOptions {
  logger?: Logger;
  /** Working directory for the private server; a temp dir (removed on stop) when omitted. */
  dir?: string;
}

export type RedisServerErrorCode = 'redis_server_missing' | 'redis_server_install_failed' | 'redis_server_start_failed';

export class RedisServerError extends Error {
  constructor(
    readonly code: RedisServerErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RedisServerError';
  }
}

const BINARY = 'redis-server';
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const START_ATTEMPTS = 3;

export async function ensureRedis(opts: EnsureRedisOptions = {}): Promise<RedisHandle> {
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv) {
    opts.logger?.info({ url: fromEnv }, 'using REDIS_URL');
    return { url: fromEnv, stop: async () => {}, started: false };
  }
  const binary = await findOrInstallRedisServer({ logger: opts.logger });
  const ownDir = opts.dir === undefined;
  if (ownDir) await sweepOrphans(opts.logger);
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), PRIVATE_DIR_PREFIX)));
  try {
    return await startWithRetries(binary, dir, ownDir, opts.logger);
  } catch (err) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The free port we picked may be taken before redis binds it, hence a few attempts. */
async function startWithRetries(binary: string, dir: string, ownDir: boolean, logger?: Logger): Promise<RedisHandle> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await freeLoopbackPort();
    try {
      const child = await startServer(binary, port, dir);
      if (ownDir) await recordOwner(dir, child.pid!);
      logger?.info({ port, pid: child.pid, dir }, 'started private redis-server');
      return {
        url: `redis://127.0.0.1:${port}`,
        started: true,
        stop: async () => {
          await stopServer(child);
          if (ownDir) await rm(dir, { recursive: true, force: true });
          logger?.info({ port }, 'stopped private redis-server');
        },
      };
    } catch (err) {
      lastError = err;
      logger?.warn({ port, attempt, err }, 'redis-server did not start');
    }
  }
  throw lastError;
}

export interface LaunchOptions {
  port: number;
  dir: string;
  /** 'aof': append-only file fsynced every second in `dir`; 'none': nothing written (tests, demo). */
  persistence: 'aof' | 'none';
  binary?: string;
}

export interface LaunchedRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** One redis-server on a given loopback port, answering PING when this resolves. */
export async function launchRedisServer(opts: LaunchOptions): Promise<LaunchedRedis> {
  const binary = opts.binary ?? (await findOrInstallRedisServer());
  const child = await startServer(binary, opts.port, opts.dir, opts.persistence);
  return { url: `redis://127.0.0.1:${opts.port}`, pid: child.pid!, stop: () => stopServer(child) };
}

const PERSISTENCE_ARGS = {
  none: ['--save', '', '--appendonly', 'no'],
  aof: ['--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec'],
};

async function startServer(binary: string, port: number, dir: string, persistence: LaunchOptions['persistence'] = 'none'): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', ...PERSISTENCE_ARGS[persistence], '--dir', dir];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(chunk.toString());
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A crashed test run must not leave a server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if (await answersPing(port)) {
      child.stdout?.off('data', keep);
      child.stderr?.off('data', keep);
      child.stdout?.resume();
      child.stderr?.resume();
      return child;
    }
    await sleep(50);
  }
  await stopServer(child);
  throw new RedisServerError('redis_server_start_failed', `redis-server on port ${port} did not answer PING: ${output.join('').trim().slice(-500)}`);
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** One raw PING over TCP: no client library, no reconnect logic to tame while waiting. */
export function answersPing(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

export async function freeLoopbackPort(): Promise<number> {
  return (await portOrFree('127.0.0.1', 0)).port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- finding (or installing) the binary ----

export type { CommandResult, InstallDeps } from './debianPackage.js';

/** Absolute path of `redis-server`; as root, installs Debian's package when it is missing. */
export async function findOrInstallRedisServer(deps: InstallDeps = {}): Promise<string> {
  try {
    return await findOrInstall(BINARY, 'redis-server', deps);
  } catch (err) {
    if (!(err instanceof PackageError)) throw err;
    if (err.code === 'missing') throw new RedisServerError('redis_server_missing', `${err.message} or set REDIS_URL to an existing Redis`);
    throw new RedisServerError('redis_server_install_failed', err.message);
  }
}
