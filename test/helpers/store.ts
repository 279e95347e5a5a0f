/** A fresh-tenant store on the run's Redis plus small builders for definitions and callers. */
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, expect } from 'vitest';
import type { AgentDef, QueueDef } from '../../src/domain/queue.js';
import { pinClock, type PinnedClock } from '../../src/store/clock.js';
import { dropTenant } from '../../src/store/dropTenant.js';
import { createRedisStore, type RedisStore } from '../../src/store/redisStore.js';
import type { EnqueueRequest } from '../../src/store/types.js';
import { findViolations } from './invariants.js';
import { connectTestRedis, freshPrefix } from './redis.js';

export interface TestStore {
  store: RedisStore;
  redis: Redis;
  tenant: string;
  /** Fails the test with the list of broken invariants, if any. */
  violations(): Promise<string[]>;
  /** Another store on its own connection, same tenant (races). */
  twin(): RedisStore;
  cleanup(): Promise<void>;
}

export function createTestStore(): TestStore {
  const tenant = freshPrefix();
  // Named after the tenant, so a test can find its own blocked readers (blockedClients).
  const redis = connectTestRedis({ connectionName: tenant });
  const store = createRedisStore({ redis, tenant });
  const extra: { redis: Redis; store: RedisStore }[] = [];
  return {
    store,
    redis,
    tenant,
    violations: () => findViolations(redis, store.keys),
    twin() {
      const r = connectTestRedis();
      const s = createRedisStore({ redis: r, tenant });
      extra.push({ redis: r, store: s });
      return s;
    },
    async cleanup() {
      await dropTenant(redis, tenant);
      for (const e of [...extra, { redis, store }]) {
        await e.store.close();
        await e.redis.quit();
      }
    },
  };
}

/**
 * Gives each test of the file a fresh-tenant store, and fails it on broken invariants afterwards.
 * With `onClock` the tenant's clock is pinned first: time moves only when the test advances it.
 */
export function useTestStore(onCreate: (t: TestStore) => void, onClock?: (clock: PinnedClock) => void): void {
  let t: TestStore;
  beforeEach(async () => {
    t = createTestStore();
    onCreate(t);
    if (onClock) onClock(await pinClock(t.redis, t.tenant));
  });
  afterEach(async () => {
    expect(await t.violations()).toEqual([]);
    await t.cleanup();
  });
}

export const queueDef = (id: string, over: Partial<QueueDef> = {}): QueueDef => ({
  id,
  name: `Queue ${id}`,
  strategy: 'longest-idle',
  ringTimeoutS: 15,
  wrapupS: 0,
  musicClass: 'default',
  ...over,
});

export const agentDef = (id: string, queues: string[], over: Partial<AgentDef> = {}): AgentDef => ({
  id,
  name: `Agent ${id}`,
  endpoint: `PJSIP/${id}`,
  queues: queues.map((queue) => ({ queue, penalty: 0 })),
  ...over,
});

export const caller = (callId: string, queue: string, over: Partial<EnqueueRequest> = {}): EnqueueRequest => ({
  callId,
  queue,
  callerChannel: `chan-${callId}`,
  callerNumber: '5551000',
  callerName: 'Caller',
  priority: 0,
  node: 'node-1',
  ...over,
});

export const by = { by: 'agent' };
