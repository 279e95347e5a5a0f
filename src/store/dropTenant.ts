/** Deletes every key of a tenant (benchmarks, tests, tooling). SCAN-based: never blocks Redis. */
import type { Redis } from 'ioredis';
import { storeKeys, tenantPrefix } from './keys.js';
import { ALL_QUEUES } from './queueCache.js';

export async function dropTenant(redis: Redis, tenant: string): Promise<number> {
  const pattern = `${tenantPrefix(tenant)}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (found.length > 0) deleted += await redis.unlink(...found);
    cursor = next;
  } while (cursor !== '0');
  // Stores of the tenant still running drop the definitions they cached.
  await redis.publish(storeKeys(tenant).queueChanged, ALL_QUEUES);
  return deleted;
}
