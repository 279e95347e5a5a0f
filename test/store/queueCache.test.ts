/**
 * Queue definitions are cached per store (issue 12) and every store of the tenant drops its copy
 * when any node changes or deletes the queue, or when its own subscription was interrupted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { QueueDef } from '../../src/domain/queue.js';
import { createAdminOps } from '../../src/store/adminOps.js';
import { dropTenant } from '../../src/store/dropTenant.js';
import { createQueueCache, type QueueCache } from '../../src/store/queueCache.js';
import { waitFor } from '../helpers/acdHarness.js';
import { connectTestRedis, freshPrefix } from '../helpers/redis.js';
import { createTestStore, queueDef, type TestStore } from '../helpers/store.js';

describe('the queue definition cache', () => {
  const name = freshPrefix();
  // Named: the cache's subscriber (a duplicate) is found by it, and no other test's is touched.
  const redis = connectTestRedis({ connectionName: name });
  const channel = `${name}:queueChanged`;
  let cache: QueueCache | undefined;
  let loads = 0;
  const load = (ringTimeoutS: number) => async (): Promise<QueueDef> => {
    loads += 1;
    return queueDef('sales', { ringTimeoutS });
  };
  /** Until two reads in a row load once: the subscription is live and the definition kept. */
  const cached = (c: QueueCache) =>
    waitFor(async () => {
      await c.get('sales', load(15));
      const before = loads;
      await c.get('sales', load(15));
      return loads === before;
    }, 'definition kept');
  /** Until a read loads again: the kept definition was dropped. */
  const reloaded = (c: QueueCache, ringTimeoutS: number) =>
    waitFor(async () => {
      const before = loads;
      const def = await c.get('sales', load(ringTimeoutS));
      return loads > before && def?.ringTimeoutS === ringTimeoutS;
    }, 'definition read again');

  afterEach(async () => {
    await cache?.close();
    cache = undefined;
  });

  it('reads a queue once while no change is published, again after its id or `*` is', async () => {
    cache = createQueueCache(redis, channel);
    await cached(cache);
    expect((await cache.get('sales', load(99)))?.ringTimeoutS).toBe(15);

    await redis.publish(channel, 'support');
    await redis.publish(channel, 'sales');
    await reloaded(cache, 20);
    await cached(cache);
    await redis.publish(channel, '*');
    await reloaded(cache, 25);
  });

  it('drops what it kept when its subscription is interrupted', async () => {
    cache = createQueueCache(redis, channel);
    await cached(cache);
    const clients = ((await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string).split('\n');
    const subscriber = clients.find((line) => line.includes(` name=${name} `))?.match(/^id=(\d+)/)?.[1];
    expect(subscriber).toBeDefined();
    await redis.client('KILL', 'ID', subscriber!);
    await reloaded(cache, 30);
    await cached(cache);
  });

  it('keeps no missing queue and hands out frozen definitions', async () => {
    cache = createQueueCache(redis, channel);
    await cached(cache);
    let missing = 0;
    const none = async () => {
      missing += 1;
      return undefined;
    };
    await cache.get('nope', none);
    await cache.get('nope', none);
    expect(missing).toBe(2);
    const def = await cache.get('sales', load(15));
    expect(Object.isFrozen(def)).toBe(true);
    expect(() => {
      (def as { ringTimeoutS: number }).ringTimeoutS = 1;
    }).toThrow(TypeError);
  });
});

describe('queue definitions across stores of one tenant', () => {
  let t: TestStore;
  afterEach(async () => {
    await t.cleanup();
  });

  it('a store sees what another node saved, deleted or dropped', async () => {
    t = createTestStore();
    const other = t.twin();
    await t.store.upsertQueue(queueDef('sales', { ringTimeoutS: 15 }));
    expect((await other.getQueue('sales'))?.ringTimeoutS).toBe(15);

    await t.store.upsertQueue(queueDef('sales', { ringTimeoutS: 40 }));
    // The saving store reads its own write at once.
    expect((await t.store.getQueue('sales'))?.ringTimeoutS).toBe(40);
    await waitFor(async () => (await other.getQueue('sales'))?.ringTimeoutS === 40, 'the other node sees the change');

    await createAdminOps(t.redis, t.tenant).deleteQueue('sales');
    await waitFor(async () => (await other.getQueue('sales')) === undefined, 'the other node sees the deletion');

    await t.store.upsertQueue(queueDef('sales', { ringTimeoutS: 50 }));
    await waitFor(async () => (await other.getQueue('sales'))?.ringTimeoutS === 50, 'the other node sees the new queue');
    await dropTenant(t.redis, t.tenant);
    await waitFor(async () => (await other.getQueue('sales')) === undefined, 'the other node sees the tenant dropped');
  });
});
