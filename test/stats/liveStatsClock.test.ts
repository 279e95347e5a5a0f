/** The live statistics' default window (the last 24 h) ends at the store clock's "now", not the wall clock's. */
import { expect, it } from 'vitest';
import { createLiveStats } from '../../src/stats/liveStats.js';
import { createStatsStore, type StatsStore } from '../../src/stats/statsStore.js';
import type { PinnedClock } from '../../src/store/clock.js';
import { queueDef, type TestStore, useTestStore } from '../helpers/store.js';

let t: TestStore;
let clock: PinnedClock;
useTestStore((store) => (t = store), (c) => (clock = c));

it('asks the stats store for the 24 h before the pinned time', async () => {
  const pinned = Date.UTC(2001, 0, 1, 9, 0, 0);
  await clock.set(pinned);
  await t.store.upsertQueue(queueDef('sales'));
  const stats = createStatsStore(t.redis, t.store.keys.prefix);
  const asked: [number, number][] = [];
  const spying: StatsStore = { ...stats, buckets: (kind, ids, from, to) => (asked.push([from, to]), stats.buckets(kind, ids, from, to)) };
  await createLiveStats(t.store, spying, { groups: {} }, clock).count({});
  expect(asked.length).toBeGreaterThan(0);
  for (const window of asked) expect(window).toEqual([pinned - 86_400_000, pinned]);
});
