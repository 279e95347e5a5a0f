/** Deletes every key of a tenant (benchmarks, tests, tooling). SCAN-based: never blocks Redis. */
import type { Redis } from 'ioredis';
import { tenantPrefix } from './keys.js';

export async function dropTenant(redis: Redis, tenant: string): Promise<number> {
  const pattern = `${tenantPrefix(tenant)}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (found.length > 0) deleted += await redis.unlink(...found);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}
