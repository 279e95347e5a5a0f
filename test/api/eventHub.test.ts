import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEventHub, type EventHub, type EventHubOptions } from '../../src/api/eventHub.js';
import type { StoredEvent } from '../../src/domain/events.js';
import type { AcdStore } from '../../src/store/types.js';
import { caller, createTestStore, queueDef, type TestStore } from '../helpers/store.js';
import { sleep, waitUntil } from './waitUntil.js';

const logger = pino({ level: 'silent' });
let t: TestStore;
let hubs: EventHub[];
let appended: number;

beforeEach(async () => {
  t = createTestStore();
  hubs = [];
  appended = 0;
  await t.store.upsertQueue(queueDef('q'));
});
afterEach(async () => {
  for (const hub of hubs) await hub.stop();
  await t.cleanup();
});

function newHub(options: EventHubOptions = {}, store: Pick<AcdStore, 'readEvents' | 'lastEventId'> = t.store): EventHub {
  const hub = createEventHub(store, logger, { blockMs: 50, retryMs: 10, pageSize: 3, ...options });
  hubs.push(hub);
  return hub;
}

/** Appends `n` events (one QueueCallerJoin each). */
async function append(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await t.store.enqueue(caller(`c${++appended}`, 'q'));
}

async function streamIds(): Promise<string[]> {
  return (await t.store.readEvents('0', { count: 10_000 })).map((e) => e.id);
}

/** Until `n` subscribers of `hub` take live events (a subscribe() goes live asynchronously). */
const liveCount = (hub: EventHub, n: number) => waitUntil(() => hub.liveSubscribers() === n, `${n} live subscribers`);

/**
 * Appends one more event and waits until each of `subs` has it: delivery is in order, so whatever
 * a subscriber would get in excess or twice before it has arrived by then.
 */
async function flush(...subs: { ids(): string[] }[]): Promise<void> {
  await append(1);
  const last = (await streamIds()).at(-1)!;
  await waitUntil(() => subs.every((s) => s.ids().includes(last)), 'the flush event');
}

function collector() {
  const got: StoredEvent[] = [];
  return { got, ids: () => got.map((e) => e.id), onEvent: (e: StoredEvent) => void got.push(e) };
}

describe('EventHub', () => {
  it('gives a live subscriber only what is appended after it subscribed', async () => {
    await append(4);
    const hub = newHub();
    await hub.start();
    const sub = collector();
    hub.subscribe(undefined, sub.onEvent);
    await liveCount(hub, 1);
    await append(2);
    await flush(sub);
    expect(sub.ids()).toEqual((await streamIds()).slice(4));
    expect(sub.got.map((e) => e.event.type)).toEqual(['QueueCallerJoin', 'QueueCallerJoin', 'QueueCallerJoin']);
  });

  it('replays the whole stream from "0" in pages, then goes live, each event once and in order', async () => {
    await append(8);
    const hub = newHub();
    await hub.start();
    const sub = collector();
    hub.subscribe('0', sub.onEvent);
    await waitUntil(() => sub.got.length >= 8, 'the replay');
    await append(3);
    await flush(sub);
    expect(sub.ids()).toEqual(await streamIds());
  });

  it('resumes after a given id with exactly the events that followed it', async () => {
    await append(6);
    const ids = await streamIds();
    const hub = newHub();
    await hub.start();
    const sub = collector();
    hub.subscribe(ids[2], sub.onEvent);
    await waitUntil(() => sub.got.length >= 3, 'the replay');
    await flush(sub);
    expect(sub.ids()).toEqual((await streamIds()).slice(3));
  });

  it('switches from replay to live without gap or duplicate while events keep coming', async () => {
    const hub = newHub({ pageSize: 2, blockMs: 20 });
    await hub.start();
    await append(5);
    const subs = [collector(), collector(), collector()];
    const burst = append(60);
    // Subscribers join during the burst, from the start and from a point in the middle.
    hub.subscribe('0', subs[0]!.onEvent);
    await waitUntil(() => appended >= 25, 'a third of the burst');
    const middle = (await streamIds())[3]!;
    hub.subscribe(middle, subs[1]!.onEvent);
    await waitUntil(() => appended >= 45, 'two thirds of the burst');
    hub.subscribe('0', subs[2]!.onEvent);
    await burst;
    const all = await streamIds();
    expect(all).toHaveLength(65);
    await flush(...subs);
    const flushed = await streamIds();
    expect(subs[0]!.ids()).toEqual(flushed);
    expect(subs[1]!.ids()).toEqual(flushed.slice(4));
    expect(subs[2]!.ids()).toEqual(flushed);
  });

  it('drops live events a replay already delivered when the reader lags behind it', async () => {
    // The live reader takes 80 ms to hand over each batch, so a replay overtakes it.
    let holding = 0;
    const slowReader: Pick<AcdStore, 'readEvents' | 'lastEventId'> = {
      lastEventId: () => t.store.lastEventId(),
      async readEvents(afterId, opts) {
        const page = await t.store.readEvents(afterId, opts);
        if (opts?.blockMs !== undefined && page.length > 0) {
          holding = page.length;
          await sleep(80); // the slowness under test, not a wait for something
          holding = 0;
        }
        return page;
      },
    };
    await append(2);
    const hub = newHub({ pageSize: 100 }, slowReader);
    await hub.start();
    // The reader fetches these (in one page or more) and is still holding them when the replay reads them too.
    await append(3);
    await waitUntil(() => holding > 0, 'the reader holding new events');
    const sub = collector();
    hub.subscribe('0', sub.onEvent);
    await flush(sub);
    expect(sub.ids()).toEqual(await streamIds());
  });

  it('sends a resuming subscriber live when the events it asks for are gone from the stream', async () => {
    await append(3);
    let replayReads = 0;
    const counting: Pick<AcdStore, 'readEvents' | 'lastEventId'> = {
      lastEventId: () => t.store.lastEventId(),
      readEvents(afterId, opts) {
        if (opts?.blockMs === undefined) replayReads++;
        return t.store.readEvents(afterId, opts);
      },
    };
    const hub = newHub({}, counting);
    await hub.start();
    await t.redis.del(t.store.keys.events);
    replayReads = 0;
    const sub = collector();
    hub.subscribe('0', sub.onEvent);
    await liveCount(hub, 1);
    // One look, not a loop hammering Redis for events that will never come back.
    expect(replayReads).toBe(1);
    await append(1);
    await waitUntil(() => sub.got.length === 1, 'the live event');
    expect(sub.ids()).toEqual(await streamIds());
  });

  it('serves any number of live subscribers with one blocking read at a time', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const counting: Pick<AcdStore, 'readEvents' | 'lastEventId'> = {
      lastEventId: () => t.store.lastEventId(),
      async readEvents(afterId, opts) {
        if (opts?.blockMs === undefined) return t.store.readEvents(afterId, opts);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await t.store.readEvents(afterId, opts);
        } finally {
          inFlight--;
        }
      },
    };
    const hub = newHub({}, counting);
    await hub.start();
    const subs = Array.from({ length: 200 }, () => collector());
    for (const sub of subs) hub.subscribe(undefined, sub.onEvent);
    await liveCount(hub, 200);
    await append(5);
    await waitUntil(() => subs.every((s) => s.got.length === 5), 'all subscribers served');
    expect(maxInFlight).toBe(1);
  });

  it('stops delivering after unsubscribe, and one throwing subscriber does not starve the others', async () => {
    const hub = newHub();
    await hub.start();
    const leaving = collector();
    const staying = collector();
    const unsubscribe = hub.subscribe(undefined, leaving.onEvent);
    hub.subscribe(undefined, () => {
      throw new Error('subscriber bug');
    });
    hub.subscribe(undefined, staying.onEvent);
    await liveCount(hub, 3);
    await append(1);
    await waitUntil(() => staying.got.length === 1 && leaving.got.length === 1, 'first event');
    unsubscribe();
    await append(2);
    await flush(staying);
    expect(staying.got).toHaveLength(4);
    expect(leaving.got).toHaveLength(1);
  });

  it('keeps reading after the store fails', async () => {
    let failures = 2;
    const flaky: Pick<AcdStore, 'readEvents' | 'lastEventId'> = {
      lastEventId: () => t.store.lastEventId(),
      readEvents(afterId, opts) {
        if (opts?.blockMs !== undefined && failures-- > 0) return Promise.reject(new Error('connection lost'));
        return t.store.readEvents(afterId, opts);
      },
    };
    const hub = newHub({}, flaky);
    await hub.start();
    const sub = collector();
    hub.subscribe(undefined, sub.onEvent);
    await liveCount(hub, 1);
    await append(2);
    await waitUntil(() => sub.got.length === 2, 'events after the failures');
    expect(failures).toBeLessThan(0);
  });

  it('refuses a starting point that is not a stream id', () => {
    const hub = newHub();
    expect(() => hub.subscribe('$', () => {})).toThrow(expect.objectContaining({ code: 'validation' }));
  });

  it('stops within about one block and delivers nothing afterwards', async () => {
    const hub = newHub({ blockMs: 100 });
    await hub.start();
    const sub = collector();
    hub.subscribe(undefined, sub.onEvent);
    const started = Date.now();
    await hub.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    // A running hub as witness: once its subscriber has the event, the stopped one had its chance.
    const witness = newHub();
    await witness.start();
    const seen = collector();
    witness.subscribe(undefined, seen.onEvent);
    await liveCount(witness, 1);
    await flush(seen);
    expect(sub.got).toHaveLength(0);
  });

  it('sends the rest of a burst in one read: after a live read it pauses lingerMs before reading again', async () => {
    let pagesRead = 0;
    const counting: Pick<AcdStore, 'readEvents' | 'lastEventId'> = {
      lastEventId: () => t.store.lastEventId(),
      readEvents: async (afterId, opts) => {
        const page = await t.store.readEvents(afterId, opts);
        if (opts?.blockMs !== undefined && page.length > 0) pagesRead += 1;
        return page;
      },
    };
    const hub = newHub({ lingerMs: 300, pageSize: 100 }, counting);
    await hub.start();
    const sub = collector();
    hub.subscribe(undefined, sub.onEvent);
    await liveCount(hub, 1);
    await append(1);
    await waitUntil(() => sub.got.length === 1, 'the first event, at once');
    const before = pagesRead;
    await append(3); // one at a time, while the reader pauses
    await waitUntil(() => sub.got.length === 4, 'the burst');
    expect(pagesRead - before).toBe(1);
  });
});
