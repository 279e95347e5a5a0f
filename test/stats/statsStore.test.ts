/**
 * The statistics apply script runs by EVALSHA: its text goes to Redis once, not with every event,
 * and a Redis that lost its script cache (restart, SCRIPT FLUSH) still gets every event counted.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { createStatsStore } from '../../src/stats/statsStore.js';
import { tenantPrefix } from '../../src/store/keys.js';
import { connectTestRedis, freshPrefix } from '../helpers/redis.js';

let redis: Redis | undefined;
afterEach(() => {
  vi.restoreAllMocks();
  redis?.disconnect();
});

const projection = (n: number) => ({ hour: 3_600_000, increments: [{ kind: 'q' as const, id: 'sales', field: 'offered', by: n }] });

describe('stats store apply', () => {
  it('sends the script text at most once, counts each event once, and survives a flushed script cache', async () => {
    redis = connectTestRedis();
    const prefix = tenantPrefix(freshPrefix());
    const stats = createStatsStore(redis, prefix);
    const evalSpy = vi.spyOn(redis, 'eval');
    const evalshaSpy = vi.spyOn(redis, 'evalsha');

    for (let i = 1; i <= 5; i++) expect(await stats.apply(`100-${i}`, projection(1))).toBe(true);
    expect(await stats.apply('100-5', projection(1))).toBe(false); // already applied
    expect(evalshaSpy).toHaveBeenCalledTimes(6);
    expect(evalSpy.mock.calls.length).toBeLessThanOrEqual(1);

    await redis.script('FLUSH');
    expect(await stats.apply('100-6', projection(1))).toBe(true);
    expect((await stats.totals('q', ['sales'])).get('sales')).toEqual({ offered: 6 });
    await redis.del(`${prefix}stats:pos`, `${prefix}stats:marks`, `${prefix}stats:q:sales:total`, `${prefix}stats:q:sales:hours`, `${prefix}stats:q:sales:h:3600000`);
  });
});
