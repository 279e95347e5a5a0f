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

/**
 * How many connections named `name` (ioredis `connectionName`, kept by duplicate()) are parked in
 * a blocking command: a test waits for its blocked reader to be in Redis before it writes.
 */
export async function blockedClients(redis: Redis, name: string): Promise<number> {
  const clients = (await redis.client('LIST')) as string;
  return clients.split('\n').filter((line) => line.includes(` name=${name} `) && /\bflags=\w*b/.test(line)).length;
}

/** The Redis server's clock in ms epoch (what the scripts stamp when the clock is not pinned). */
export async function redisMs(redis: Redis): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}
