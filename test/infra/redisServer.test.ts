import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { answersPing, ensureRedis, findOrInstallRedisServer, type CommandResult } from '../../src/infra/redisServer.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

const portOf = (url: string) => Number(new URL(url).port);

describe('ensureRedis', () => {
  it('starts a private redis-server on loopback and stops it', async () => {
    vi.stubEnv('REDIS_URL', '');
    const redis = await ensureRedis();
    expect(redis.started).toBe(true);
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);

    const client = new Redis(redis.url, { lazyConnect: true });
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    // Persistence is off: a private test server writes nothing to disk.
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    client.disconnect();

    await redis.stop();
    expect(await answersPing(portOf(redis.url))).toBe(false);
  });

  it('uses REDIS_URL when set and starts nothing', async () => {
    vi.stubEnv('REDIS_URL', 'redis://127.0.0.1:1');
    const redis = await ensureRedis();
    expect(redis).toMatchObject({ url: 'redis://127.0.0.1:1', started: false });
    await redis.stop();
  });
});

describe('findOrInstallRedisServer', () => {
  const noRedisPath = '/nonexistent-dir';

  it('finds the binary on PATH', async () => {
    expect(await findOrInstallRedisServer()).toMatch(/redis-server$/);
  });

  it('tells a non-root user how to get Redis', async () => {
    await expect(findOrInstallRedisServer({ searchPath: noRedisPath, isRoot: false })).rejects.toMatchObject({
      code: 'redis_server_missing',
      message: expect.stringMatching(/sudo apt-get install redis-server.*REDIS_URL/),
    });
  });

  it('as root, installs with apt-get, updating the package lists when they are missing', async () => {
    const calls: string[] = [];
    const replies: CommandResult[] = [
      { code: 100, output: 'E: Unable to locate package redis-server' },
      { code: 0, output: '' },
      { code: 0, output: '' },
    ];
    const run = async (cmd: string, args: string[]) => {
      calls.push([cmd, ...args].join(' '));
      return replies.shift()!;
    };
    // The fake install "succeeds"; the real binary in /usr/bin is what it finds afterwards.
    const binary = await findOrInstallRedisServer({ searchPath: noRedisPath, isRoot: true, run });
    expect(binary).toMatch(/redis-server$/);
    expect(calls).toEqual(['apt-get install -y redis-server', 'apt-get update', 'apt-get install -y redis-server']);
  });

  it('as root, reports a failed install', async () => {
    const run = async () => ({ code: 1, output: 'E: dpkg was interrupted' });
    await expect(findOrInstallRedisServer({ searchPath: noRedisPath, isRoot: true, run })).rejects.toMatchObject({
      code: 'redis_server_install_failed',
      message: expect.stringContaining('dpkg was interrupted'),
    });
  });
});
