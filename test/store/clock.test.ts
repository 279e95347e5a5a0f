/**
 * The injectable clock: with the tenant's clock pinned the scripts stamp the pinned time (and
 * only that tenant's), without it Redis TIME; the timers measure `route` delays on the same clock.
 */
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createTimers } from '../../src/acd/timers.js';
import { pinClock } from '../../src/store/clock.js';
import { tenantPrefix } from '../../src/store/keys.js';
import { createRedisStore } from '../../src/store/redisStore.js';
import { dropTenant } from '../../src/store/dropTenant.js';
import { agentDef, by, caller, queueDef, type TestStore, useTestStore } from '../helpers/store.js';
import { connectTestRedis, freshPrefix } from '../helpers/redis.js';

let t: TestStore;
useTestStore((store) => (t = store));

const PINNED = Date.UTC(2001, 0, 1, 9, 0, 0);

describe('script clock', () => {
  it('stamps the pinned time while pinned, moves with advance(), and Redis TIME once released', async () => {
    await t.store.upsertQueue(queueDef('q'));
    await t.store.upsertAgent(agentDef('a1', ['q']));
    const clock = await pinClock(t.redis, t.tenant, PINNED);

    expect((await t.store.login('a1', undefined, { ...by, ready: true })).since).toBe(PINNED);
    await clock.advance(1500);
    expect(clock.now()).toBe(PINNED + 1500);
    await t.store.enqueue(caller('c1', 'q'));
    expect((await t.store.getCall('c1'))!.joinedAt).toBe(PINNED + 1500);

    await clock.release();
    const before = Date.now();
    await t.store.enqueue(caller('c2', 'q'));
    const joinedAt = (await t.store.getCall('c2'))!.joinedAt;
    expect(joinedAt).toBeGreaterThanOrEqual(before - 1000); // Redis and this process share the host clock
    expect(joinedAt).toBeLessThanOrEqual(Date.now() + 1000);
    expect(clock.now()).toBeGreaterThanOrEqual(before);
  });

  it("pins one tenant only: another tenant's scripts keep Redis TIME", async () => {
    await pinClock(t.redis, t.tenant, PINNED);
    const other = freshPrefix();
    const store = createRedisStore({ redis: t.redis, tenant: other });
    try {
      await store.upsertQueue(queueDef('q'));
      const before = Date.now();
      await store.enqueue(caller('c1', 'q'));
      expect((await store.getCall('c1'))!.joinedAt).toBeGreaterThanOrEqual(before - 1000);
    } finally {
      await dropTenant(t.redis, other);
      await store.close();
    }
  });

  it('refuses a time that is not a ms epoch', async () => {
    const clock = await pinClock(t.redis, t.tenant, PINNED);
    await expect(clock.set(Number.NaN)).rejects.toThrow(/non-negative integer/);
    await expect(clock.set(-5)).rejects.toThrow(/non-negative integer/);
    expect(clock.now()).toBe(PINNED);
  });
});

describe('timer clock', () => {
  it('delays a route timer by its time on the store clock, not on the wall clock', async () => {
    const clock = await pinClock(t.redis, t.tenant, PINNED);
    const connection = connectTestRedis({ maxRetriesPerRequest: null });
    const prefix = `${tenantPrefix(t.tenant)}bull`;
    const timers = createTimers({ connection, prefix, handler: async () => {}, logger: pino({ level: 'silent' }), clock });
    const queue = new Queue('timers', { connection, prefix });
    try {
      // A route due 60 s after the pinned time: on the wall clock that moment is years ago.
      await timers.scheduleRoute('q', PINNED + 60_000);
      const job = await queue.getJob(`route__q__${PINNED + 60_000}`);
      expect(job?.opts.delay).toBe(60_000);
      expect(await job?.getState()).toBe('delayed');
    } finally {
      await timers.close();
      await queue.close();
      await connection.quit();
    }
  });
});
