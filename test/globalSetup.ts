/** One redis-server for the whole test run (or REDIS_URL); test files take fresh key prefixes. */
import type { TestProject } from 'vitest/node';
import { ensureRedis } from '../src/infra/redisServer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await ensureRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
