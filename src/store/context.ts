/** What every part of the Redis store shares: the client, the tenant's keys, the script runner. */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { StoreKeys } from './keys.js';
import type { RunScript } from './scripts.js';
import type { Hash } from './parse.js';

export interface StoreContext {
  redis: Redis;
  keys: StoreKeys;
  run: RunScript;
  logger?: Logger;
}

/** HGETALL of many keys in one round trip; empty hashes (missing keys) come back as {}. */
export async function readHashes(redis: Redis, keys: string[]): Promise<Hash[]> {
  if (keys.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, hash]) => {
    if (err) throw err;
    return hash as Hash;
  });
}

export const isEmpty = (hash: Hash) => Object.keys(hash).length === 0;
