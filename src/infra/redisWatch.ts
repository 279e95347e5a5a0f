/**
 * Follows an ioredis connection into `Health`: its errors become one warn line per outage (not
 * ioredis' own "Unhandled error event" stack traces), and every (re)connection runs `onReady`.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Health } from './health.js';

export interface RedisWatchOptions {
  health: Health;
  logger: Logger;
  /** Runs after each (re)connection; a failure is logged and retried at the next one. */
  onReady?: () => Promise<void>;
}

export function watchRedis(redis: Redis, { health, logger, onReady }: RedisWatchOptions): void {
  let lastError = 'connection closed';
  redis.on('error', (err: Error) => {
    lastError = err.message;
    health.set('redis', false, err.message);
  });
  redis.on('close', () => health.set('redis', false, lastError));
  redis.on('ready', () => {
    lastError = 'connection closed';
    health.set('redis', true, 'connected');
    onReady?.().catch((err: unknown) => logger.error({ err: err instanceof Error ? err.message : String(err) }, 'work after the Redis (re)connection failed'));
  });
  if (redis.status === 'ready') health.set('redis', true, 'connected');
  // Connections duplicated from this one (event readers) fail with it: their errors are this outage,
  // already reported, and must not reach stderr as ioredis' "Unhandled error event".
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (...args: Parameters<Redis['duplicate']>) => {
    const copy = duplicate(...args);
    copy.on('error', (err: Error) => logger.debug({ err: err.message }, 'duplicated Redis connection error'));
    return copy;
  };
}
