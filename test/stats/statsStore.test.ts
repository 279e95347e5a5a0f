/**
 * The statistics apply script runs by EVALSHA: its text goes to Redis once, not with every event,
 * and a Redis that lost its script cache (restart, SCRIPT FLUSH) still gets every event counted;
 * a batch writes each counter once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { createStatsStore } from '../../src/stats/statsStore.js';
import { tenantPrefix } from '../../src/store/keys.js';
import { connectTestRedis, freshPrefix } from '../helpers/redis.js';
import { monitorRedis } from '../helpers/redisMonitor.js';

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

    for (let i = 1; i <= 5; i++) expect(await stats.apply([{ eventId: `100-${i}`, projection: projection(1) }])).toBe(1);
    expect(await stats.apply([{ eventId: '100-5', projection: projection(1) }])).toBe(0); // already applied
    expect(evalshaSpy).toHaveBeenCalledTimes(6);
    expect(evalSpy.mock.calls.length).toBeLessThanOrEqual(1);

    await redis.script('FLUSH');
    expect(await stats.apply([{ eventId: '100-6', projection: projection(1) }])).toBe(1);
    expect((await stats.totals('q', ['sales'])).get('sales')).toEqual({ offered: 6 });
    await redis.del(`${prefix}stats:pos`, `${prefix}stats:marks`, `${prefix}stats:q:sales:total`, `${prefix}stats:q:sales:hours`, `${prefix}stats:q:sales:h:3600000`);
  });

  it('applies a batch in one script run, skipping the events at or before the stored position, marks included', async () => {
    redis = connectTestRedis();
    const prefix = tenantPrefix(freshPrefix());
    const stats = createStatsStore(redis, prefix);
    const evalshaSpy = vi.spyOn(redis, 'evalsha');
    const mark = { at: 5, status: 'ready' } as never;
    expect(await stats.apply([{ eventId: '200-1', projection: projection(1) }, { eventId: '200-2', projection: { ...projection(2), mark: { agentId: 'a1', mark } } }])).toBe(2);
    // A replayed batch: the first two were applied, the third is new ('10-0' sorts after '9-0' as numbers).
    expect(await stats.apply([{ eventId: '200-1', projection: projection(100) }, { eventId: '200-2', projection: projection(100) }, { eventId: '1000-0', projection: projection(4) }])).toBe(1);
    expect(evalshaSpy).toHaveBeenCalledTimes(2);
    expect((await stats.totals('q', ['sales'])).get('sales')).toEqual({ offered: 7 });
    expect(await stats.position()).toBe('1000-0');
    expect((await stats.marks()).get('a1')).toEqual(mark);
    expect(await stats.apply([])).toBe(0);
  });

  it('writes each counter of a batch once: the sum of its events, the last mark of each agent', async () => {
    redis = connectTestRedis();
    const prefix = tenantPrefix(freshPrefix());
    const stats = createStatsStore(redis, prefix);
    const hour = 7_200_000;
    const event = (seq: number, by: number, mark?: string) => ({
      eventId: `300-${seq}`,
      projection: {
        hour,
        increments: [
          { kind: 'q' as const, id: 'sales', field: 'offered', by: 1 },
          { kind: 'q' as const, id: 'sales', field: 'talkMs', by },
        ],
        ...(mark ? { mark: { agentId: 'a1', mark: { at: seq, status: mark } as never } } : {}),
      },
    });
    const batch = [event(1, 1_000_000_000_000, 'ready'), event(2, 2, 'busy'), event(3, -3), event(4, 4)];
    const monitor = await monitorRedis();
    try {
      expect(await stats.apply(batch)).toBe(4);
      // The script's last command: every one before it has been seen.
      await vi.waitFor(() => expect(monitor.commands.some(([cmd, key]) => cmd === 'SET' && key === `${prefix}stats:pos`)).toBe(true));
      const count = (name: string) => monitor.commands.filter(([cmd, key]) => cmd === name && key?.startsWith(prefix)).length;
      // Two fields, each in the hour bucket and the total: 4 HINCRBY (16 one event at a time), one ZADD (8), one HSET (2).
      expect([count('HINCRBY'), count('ZADD'), count('HSET')]).toEqual([4, 1, 1]);
    } finally {
      monitor.close();
    }
    const want = { offered: 4, talkMs: 1_000_000_000_003 };
    expect((await stats.totals('q', ['sales'])).get('sales')).toEqual(want);
    expect(await stats.buckets('q', ['sales'], hour, hour + 1)).toEqual([{ id: 'sales', hour, counters: want }]);
    expect((await stats.marks()).get('a1')).toEqual({ at: 2, status: 'busy' });
  });
});
