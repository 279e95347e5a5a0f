/** Test access to the run's Redis: fresh connections and a fresh tenant per test. */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { inject } from 'vitest';

let counter = 0;

/** A tenant name no other test (file, worker or run) uses, so tests never see each other's keys. */
export function freshPrefix(): string {
  return `t${process.pid}-${randomBytes(3).toString('hex')}-${++counter}`;
}

/** A connection to the run's Redis (see test/globalSetup.ts); BullMQ users pass maxRetriesPerRequest: null. */
export function connectTestRedis(options: RedisOptions = {}): Redis {
  return new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1, ...options });
}
