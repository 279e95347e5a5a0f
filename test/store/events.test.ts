import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../api/waitUntil.js';
import { blockedClients } from '../helpers/redis.js';
import { agentDef, by, caller, createTestStore, queueDef, type TestStore } from '../helpers/store.js';

let t: TestStore;
beforeEach(async () => {
  t = createTestStore();
  await t.store.upsertQueue(queueDef('sales'));
});
afterEach(() => t.cleanup());

const join = (n: number) => t.store.enqueue(caller(`c${n}`, 'sales'));
/** Until `n` of this store's readers are blocked in XREAD (a write before that would not test blocking). */
const readersBlocked = (n: number) => waitUntil(async () => (await blockedClients(t.redis, t.tenant)) >= n, `${n} blocked readers`);

describe('readEvents', () => {
  it('reads from the start, in order, and continues after a given id', async () => {
    const before = Date.now();
    for (let n = 1; n <= 5; n++) await join(n);
    const all = await t.store.readEvents('0');
    expect(all.map((e) => e.event.type === 'QueueCallerJoin' && e.event.callId)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(all[0].event.ts).toBeGreaterThanOrEqual(before - 1_000);
    expect(all[0].event.ts).toBeLessThanOrEqual(Date.now() + 1_000);

    const page = await t.store.readEvents('0', { count: 2 });
    expect(page.map((e) => e.id)).toEqual(all.slice(0, 2).map((e) => e.id));
    const rest = await t.store.readEvents(page[1].id);
    expect(rest.map((e) => e.id)).toEqual(all.slice(2).map((e) => e.id));
    expect(await t.store.readEvents(all[4].id)).toEqual([]);
  });

  it('blocks until an event arrives, then returns it', async () => {
    await join(1);
    const [last] = await t.store.readEvents('0');
    const waiting = t.store.readEvents(last.id, { blockMs: 5_000 });
    await readersBlocked(1);
    // The blocked read must not hold up the store's commands.
    await t.store.upsertAgent(agentDef('1001', ['sales']));
    await t.store.login('1001', undefined, by);
    const got = await waiting;
    expect(got[0].event).toMatchObject({ type: 'AgentStatus', agentId: '1001', status: 'not_ready' });
  });

  it("returns nothing after blockMs without events, and '$' only sees new events", async () => {
    await join(1);
    const started = Date.now();
    expect(await t.store.readEvents('$', { blockMs: 100 })).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);

    const onlyNew = t.store.readEvents('$', { blockMs: 5_000 });
    await readersBlocked(1);
    await join(2);
    expect((await onlyNew).map((e) => e.event.type === 'QueueCallerJoin' && e.event.callId)).toEqual(['c2']);
  });

  it('serves concurrent blocked readers side by side', async () => {
    const readers = [1, 2, 3].map(() => t.store.readEvents('$', { blockMs: 5_000 }));
    await readersBlocked(3);
    const started = Date.now();
    await join(1);
    const results = await Promise.all(readers);
    expect(results.map((r) => r.length)).toEqual([1, 1, 1]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('close() releases blocked readers at once', async () => {
    const blocked = t.store.readEvents('$', { blockMs: 10_000 });
    const outcome = blocked.then(
      () => 'resolved',
      () => 'rejected',
    );
    await readersBlocked(1);
    const started = Date.now();
    await t.store.close();
    expect(await outcome).toBe('rejected');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
