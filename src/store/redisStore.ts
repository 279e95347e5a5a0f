/**
 * The Redis implementation of AcdStore for one tenant: every transition is one Lua script
 * (src/store/lua/) that also appends its events to the tenant's stream.
 *
 * The store does not own `redis`: close() releases only the connections it created (blocking
 * readers). The client must not use ioredis `keyPrefix` (scripts build keys from the prefix).
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createAgentOps } from './agentOps.js';
import { createCallOps } from './callOps.js';
import { createControlOps } from './controlOps.js';
import { createCountOps } from './countOps.js';
import { createDeviceOps } from './deviceOps.js';
import { createEntryOps } from './entryOps.js';
import { createEventReader } from './eventReader.js';
import { createExitOps } from './exitOps.js';
import { createCallbackOps } from './callbackOps.js';
import { storeKeys, type StoreKeys } from './keys.js';
import { createQueueCache } from './queueCache.js';
import { registerScripts } from './scripts.js';
import type { AcdStore } from './types.js';

export interface RedisStoreOptions {
  redis: Redis;
  tenant: string;
  logger?: Logger;
}

export interface RedisStore extends AcdStore {
  /** The tenant's key layout (tests and tooling inspect raw state through it). */
  readonly keys: StoreKeys;
}

export function createRedisStore({ redis, tenant, logger }: RedisStoreOptions): RedisStore {
  const keys = storeKeys(tenant);
  const context = { redis, keys, run: registerScripts(redis), logger };
  const events = createEventReader(redis, keys.events);
  const queues = createQueueCache(redis, keys.queueChanged, logger);
  logger?.debug({ tenant, prefix: keys.prefix }, 'redis store ready');
  return {
    keys,
    ...createAgentOps(context, queues),
    ...createCallOps(context),
    ...createExitOps(context),
    ...createCallbackOps(context),
    ...createControlOps(context),
    ...createDeviceOps(context),
    ...createEntryOps(context),
    ...createCountOps(context),
    readEvents: (afterId, opts) => events.read(afterId, opts),
    lastEventId: async () => ((await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1)) as [string, string[]][])[0]?.[0] ?? '0-0',
    close: async () => {
      await Promise.all([events.close(), queues.close()]);
    },
  };
}
