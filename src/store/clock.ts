/**
 * A pinned clock for one tenant, for tests: the Lua scripts read it from the tenant's `clock`
 * key (lua/includes/nowMs.lua) and the TS side through the Clock interface, so both agree and a
 * test moves time forward instead of sleeping. Without the key the scripts use Redis TIME.
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../infra/clock.js';
import { storeKeys } from './keys.js';

export interface PinnedClock extends Clock {
  /** Moves the tenant's time to `ms` (ms epoch). */
  set(ms: number): Promise<void>;
  /** Moves the tenant's time forward by `ms`. */
  advance(ms: number): Promise<void>;
  /** Gives the scripts back to Redis TIME (and now() to the wall clock). */
  release(): Promise<void>;
}

export async function pinClock(redis: Redis, tenant: string, startMs = Date.now()): Promise<PinnedClock> {
  const key = storeKeys(tenant).clock;
  let pinned: number | undefined;
  const set = async (ms: number) => {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`clock time must be a non-negative integer ms epoch, got ${ms}`);
    await redis.set(key, String(ms));
    pinned = ms;
  };
  await set(startMs);
  return {
    now: () => pinned ?? Date.now(),
    set,
    advance: (ms) => set((pinned ?? Date.now()) + ms),
    async release() {
      await redis.del(key);
      pinned = undefined;
    },
  };
}
