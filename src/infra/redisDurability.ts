/**
 * What a production Redis needs so that a restart loses neither agents nor waiting callers:
 * persistence (AOF, or at least RDB snapshots) and `maxmemory-policy noeviction` (an evicting
 * policy silently drops call and agent keys under memory pressure).
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

const SAFE_POLICIES = new Set(['noeviction']);

/** Warnings about the server's settings; empty when it is fine. */
export async function durabilityWarnings(redis: Redis): Promise<string[]> {
  let settings: Record<string, string>;
  try {
    const pairs = (await redis.call('CONFIG', 'GET', '*')) as string[];
    settings = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) settings[pairs[i]!] = pairs[i + 1]!;
  } catch (err) {
    return [`cannot read the Redis configuration (CONFIG GET: ${err instanceof Error ? err.message : String(err)}): make sure it has appendonly yes and maxmemory-policy noeviction`];
  }
  const warnings: string[] = [];
  if (settings.appendonly !== 'yes') {
    warnings.push(
      settings.save
        ? `Redis has no append-only file (appendonly no; RDB snapshots '${settings.save}' only): a crash loses the calls and agent changes since the last snapshot; set appendonly yes`
        : 'Redis has no persistence (appendonly no, save ""): a restart of Redis loses every agent state and waiting call; set appendonly yes',
    );
  }
  const policy = settings['maxmemory-policy'];
  if (policy !== undefined && !SAFE_POLICIES.has(policy)) warnings.push(`Redis maxmemory-policy is ${policy}: it may evict call and agent keys; set maxmemory-policy noeviction`);
  return warnings;
}

/** Logs each warning about the server at `url`; does not delay start-up nor fail it. */
export async function checkDurability(url: string, logger: Logger): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    for (const warning of await durabilityWarnings(redis)) logger.warn({ redis: url.replace(/\/\/[^@]*@/, '//***@') }, warning);
  } catch (err) {
    logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'Redis settings not checked: not reachable now');
  } finally {
    redis.disconnect();
  }
}
