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

/**
 * HGETALL of many keys in one round trip; empty hashes (missing keys) come back as {}. Plain
 * concurrent commands, not a pipeline: ioredis copies every defined script into each new
 * pipeline, which cost ~6% of the engine's CPU on the hot path.
 */
export function readHashes(redis: Redis, keys: string[]): Promise<Hash[]> {
  return Promise.all(keys.map((key) => redis.hgetall(key) as Promise<Hash>));
}

export const isEmpty = (hash: Hash) => Object.keys(hash).length === 0;
