import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durabilityWarnings } from '../../src/infra/redisDurability.js';
import { freeLoopbackPort, launchRedisServer, type LaunchedRedis } from '../../src/infra/redisServer.js';

describe('durabilityWarnings', () => {
  let dir: string;
  let server: LaunchedRedis;
  let redis: Redis;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'acd-durability-'));
    server = await launchRedisServer({ port: await freeLoopbackPort(), dir, persistence: 'none' });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('warns about a server without persistence and about an evicting policy, and not once both are right', async () => {
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const warnings = await durabilityWarnings(redis);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/no persistence.*appendonly yes/);
    expect(warnings[1]).toMatch(/allkeys-lru.*noeviction/);

    await redis.config('SET', 'appendonly', 'yes');
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    expect(await durabilityWarnings(redis)).toEqual([]);
  });
});
