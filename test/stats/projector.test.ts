/**
 * The statistics projector applies the events delivered while a batch is in Redis, or within
 * `batchMs` of the last one, together in the next batch: one script run for many events, still
 * each counted once and in order.
 */
import { afterEach, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { EventHub } from '../../src/api/eventHub.js';
import { compareStreamIds } from '../../src/api/streamId.js';
import type { StoredEvent } from '../../src/domain/events.js';
import type { AcdStore } from '../../src/store/types.js';
import { createProjector, type ProjectorOptions } from '../../src/stats/projector.js';
import { createStatsStore, type ProjectedEvent, type StatsStore } from '../../src/stats/statsStore.js';
import { tenantPrefix } from '../../src/store/keys.js';
import { waitFor } from '../helpers/acdHarness.js';
import { connectTestRedis, freshPrefix } from '../helpers/redis.js';

let redis: Redis | undefined;
afterEach(() => redis?.disconnect());

/** A projector following a hub the test feeds by hand: `deliver` hands it one stored event. */
async function followingProjector(prefix: string, stats: StatsStore, opts: ProjectorOptions, getQueue: AcdStore['getQueue'] = async () => undefined) {
  let deliver: ((e: StoredEvent) => void) | undefined;
  const hub = { subscribe: (_from: string | undefined, on: (e: StoredEvent) => void) => ((deliver = on), () => undefined) } as unknown as EventHub;
  const projector = createProjector({ redis: redis!, prefix, stats, hub, store: { getQueue, getAgent: async () => undefined }, logger: pino({ level: 'silent' }) }, { leaseMs: 60_000, ...opts });
  projector.start();
  await waitFor(() => deliver !== undefined || undefined, 'the projector to follow the stream');
  return { projector, deliver: (e: StoredEvent) => deliver!(e) };
}

/** A started projector whose hub delivers `stream` from the position asked at each (re)subscription, as the real hub reads the stream. */
function replayingProjector(prefix: string, stats: StatsStore, stream: StoredEvent[], opts: ProjectorOptions) {
  const subscriptions = new Set<object>();
  const hub = {
    subscribe: (from: string | undefined, on: (e: StoredEvent) => void) => {
      const subscription = {};
      subscriptions.add(subscription);
      for (const e of stream) if (compareStreamIds(e.id, from ?? '0-0') > 0) on(e);
      return () => subscriptions.delete(subscription);
    },
  } as unknown as EventHub;
  const store = { getQueue: async () => undefined, getAgent: async () => undefined };
  const projector = createProjector({ redis: redis!, prefix, stats, hub, store, logger: pino({ level: 'silent' }) }, opts);
  projector.start();
  return Object.assign(projector, { subscriptions });
}

const join = (n: number): StoredEvent => ({
  id: `${1000 + n}-0`,
  event: { type: 'QueueCallerJoin', ts: 1000 + n, callId: `c${n}`, queue: 'sales', position: n, callerNumber: '', callerName: '', priority: 0 } as StoredEvent['event'],
});

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
  const { projector, deliver } = await followingProjector(prefix, stats, {});
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

it('applies at most one batch per batchMs: the events of the wait go together (one script run for many calls)', async () => {
  redis = connectTestRedis();
  const prefix = tenantPrefix(freshPrefix());
  const real = createStatsStore(redis, prefix);
  const batches: { at: number; ids: string[] }[] = [];
  const stats = {
    ...real,
    async apply(batch: ProjectedEvent[]) {
      batches.push({ at: Date.now(), ids: batch.map((b) => b.eventId) });
      return real.apply(batch);
    },
  };
  const { projector, deliver } = await followingProjector(prefix, stats, { batchMs: 400 });
  deliver(join(1));
  await waitFor(() => batches.length === 1 || undefined, 'the first batch applied at once');
  // Each event after its own round trip: without the interval each would be a batch of its own.
  for (let n = 2; n <= 5; n++) {
    deliver(join(n));
    await redis.ping();
  }
  await projector.idle();
  expect(batches.map((b) => b.ids)).toEqual([['1001-0'], ['1002-0', '1003-0', '1004-0', '1005-0']]);
  // ~400 ms apart (the first batch's clock is read a little after its start; without the interval: ~1 ms).
  expect(batches[1]!.at - batches[0]!.at).toBeGreaterThanOrEqual(300);
  expect((await real.totals('q', ['sales'])).get('sales')).toMatchObject({ offered: 5 });
  await projector.stop();
});

it('reads a queue\'s service level once per batch that has a join in it, so a changed definition counts from the next batch', async () => {
  redis = connectTestRedis();
  const prefix = tenantPrefix(freshPrefix());
  const stats = createStatsStore(redis, prefix);
  let reads = 0;
  let serviceLevelS = 20;
  const getQueue = async () => {
    reads += 1;
    return { serviceLevelS } as Awaited<ReturnType<AcdStore['getQueue']>>;
  };
  const { projector, deliver } = await followingProjector(prefix, stats, {}, getQueue);
  const event = (n: number, e: Record<string, unknown>): StoredEvent => ({ id: `${2000 + n}-0`, event: { ts: 2000 + n, queue: 'sales', ...e } as StoredEvent['event'] });
  const joinAt = (n: number) => event(n, { type: 'QueueCallerJoin', callId: `c${n}`, position: 1, callerNumber: '', callerName: '', priority: 0 });
  const connect = (n: number, waitMs: number) => event(n, { type: 'AgentConnect', callId: `c${n}`, agentId: 'a1', waitMs, ringMs: 0, agentChannel: `l${n}` });

  // One batch: three joins, then two answers after 25 s (outside a 20 s service level).
  for (const e of [joinAt(1), joinAt(2), joinAt(3), connect(4, 25_000), connect(5, 25_000)]) deliver(e);
  await projector.idle();
  expect(reads).toBe(1);
  // The service level becomes 30 s: the next batch with a join reads it again.
  serviceLevelS = 30;
  for (const e of [joinAt(6), connect(7, 25_000)]) deliver(e);
  await projector.idle();
  expect(reads).toBe(2);
  const totals = (await stats.totals('q', ['sales'])).get('sales');
  expect(totals).toMatchObject({ offered: 4, answered: 3, answeredInSl: 1 });
  await projector.stop();
});

it('after applies that fail (Redis refusing writes), follows again each time twice as late, and applies once it takes writes', async () => {
  redis = connectTestRedis();
  const prefix = tenantPrefix(freshPrefix());
  const real = createStatsStore(redis, prefix);
  let refusing = true;
  const tries: number[] = [];
  const stats = {
    ...real,
    async apply(batch: ProjectedEvent[]) {
      tries.push(performance.now());
      if (refusing) throw new Error("OOM command not allowed when used memory > 'maxmemory'.");
      return real.apply(batch);
    },
  };
  // Lease checks every 50 ms: those during a back-off (not subscribed then) must not subscribe a second time.
  const projector = replayingProjector(prefix, stats, [join(1)], { leaseMs: 150, batchMs: 10 });
  await waitFor(() => tries.length >= 5 || undefined, 'five tries');
  const gaps = tries.slice(1).map((at, i) => at - tries[i]!);
  // Waits of 20, 40, 80, 160 ms before following again (batchMs 10, doubling); without them ~10 ms each.
  expect(gaps[3]).toBeGreaterThanOrEqual(150);
  expect(gaps[3]!).toBeGreaterThan(3 * gaps[0]!);
  refusing = false;
  await waitFor(async () => (await real.totals('q', ['sales'])).get('sales')?.offered === 1 || undefined, 'the event applied');
  await projector.idle();
  expect(projector.subscriptions.size).toBe(1);
  await projector.stop();
});

it('a position it could not read is read again at the next lease check, then the stream followed', async () => {
  redis = connectTestRedis();
  const prefix = tenantPrefix(freshPrefix());
  const real = createStatsStore(redis, prefix);
  let reads = 0;
  const stats = {
    ...real,
    async marks() {
      reads += 1;
      if (reads === 1) throw new Error('connection reset');
      return real.marks();
    },
  };
  // Lease checks every 100 ms.
  const projector = replayingProjector(prefix, stats, [join(1)], { leaseMs: 300 });
  await waitFor(async () => (await real.totals('q', ['sales'])).get('sales')?.offered === 1 || undefined, 'the event applied');
  expect(reads).toBe(2);
  await projector.stop();
});
