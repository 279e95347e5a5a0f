/**
 * The statistics projector applies the events delivered while a batch is in Redis together, in
 * the next batch: one script run for many events, still each counted once and in order.
 */
import { afterEach, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { EventHub } from '../../src/api/eventHub.js';
import type { StoredEvent } from '../../src/domain/events.js';
import { createProjector } from '../../src/stats/projector.js';
import { createStatsStore, type ProjectedEvent } from '../../src/stats/statsStore.js';
import { tenantPrefix } from '../../src/store/keys.js';
import { waitFor } from '../helpers/acdHarness.js';
import { connectTestRedis, freshPrefix } from '../helpers/redis.js';

let redis: Redis | undefined;
afterEach(() => redis?.disconnect());

it('applies the events that arrived during a batch in one script run, each counted once', async () => {
  redis = connectTestRedis();
  const prefix = tenantPrefix(freshPrefix());
  const real = createStatsStore(redis, prefix);
  const batches: string[][] = [];
  let release!: () => void;
  const firstHeld = new Promise<void>((resolve) => (release = resolve));
  const stats = {
    ...real,
    async apply(batch: ProjectedEvent[]) {
      batches.push(batch.map((b) => b.eventId));
      if (batches.length === 1) await firstHeld; // the first batch is slow to come back
      return real.apply(batch);
    },
  };
  let deliver!: (e: StoredEvent) => void;
  const hub = { subscribe: (_from: string | undefined, on: (e: StoredEvent) => void) => ((deliver = on), () => undefined) } as unknown as EventHub;
  const projector = createProjector({ redis, prefix, stats, hub, store: { getQueue: async () => undefined, getAgent: async () => undefined }, logger: pino({ level: 'silent' }) }, { leaseMs: 60_000 });
  projector.start();
  await waitFor(() => deliver !== undefined || undefined, 'the projector to follow the stream');
  const join = (n: number): StoredEvent => ({
    id: `${1000 + n}-0`,
    event: { type: 'QueueCallerJoin', ts: 1000 + n, callId: `c${n}`, queue: 'sales', position: n, callerNumber: '', callerName: '', priority: 0 } as StoredEvent['event'],
  });
  deliver(join(1));
  await waitFor(() => batches.length === 1 || undefined, 'the first batch in flight');
  for (let n = 2; n <= 10; n++) deliver(join(n));
  deliver(join(3)); // delivered again (a replay): skipped
  release();
  await projector.idle();
  expect(batches).toEqual([['1001-0'], Array.from({ length: 9 }, (_, i) => `${1002 + i}-0`)]);
  expect((await real.totals('q', ['sales'])).get('sales')).toMatchObject({ offered: 10 });
  expect(await real.position()).toBe('1010-0');
  await projector.stop();
});
