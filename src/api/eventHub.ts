/**
 * One reader of the event stream per process, fanned out to any number of subscribers (SSE
 * clients now, WebSocket and long-poll later): 2,000 clients cost one blocking Redis read, not
 * 2,000.
 *
 * A subscriber that resumes from an older id first replays from the stream in pages, then joins
 * the live feed. Each subscriber remembers the last id it was given and live events at or below
 * it are dropped, so the switch from replay to live has neither gap nor duplicate.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { StoredEvent } from '../domain/events.js';
import type { AcdStore } from '../store/types.js';
import { AcdError } from '../domain/errors.js';
import { compareStreamIds, isStreamId } from './streamId.js';

export type EventListener = (event: StoredEvent) => void;

export interface EventHub {
  /** Resolves once the reader stands at the end of the stream (subscribers can then go live). */
  start(): Promise<void>;
  /** Ends the reader; waits for the read in flight (at most `blockMs`). */
  stop(): Promise<void>;
  /**
   * `fromId` undefined = only events after now (the reader's position); otherwise every event
   * after that stream id (replayed), then live. Delivery starts asynchronously; the returned
   * function ends it. AcdError `validation` when `fromId` is not a stream id.
   */
  subscribe(fromId: string | undefined, onEvent: EventListener): () => void;
  /** Subscribers that have caught up and take live events (the ones a new event reaches at once). */
  liveSubscribers(): number;
}

export interface EventHubOptions {
  /** How long one live read waits for new events; also bounds how long `stop()` takes. */
  blockMs?: number;
  /** Events per read, live and replay. */
  pageSize?: number;
  /** Pause after a failed read before trying again. */
  retryMs?: number;
  /**
   * Pause after a live read that did not fill a page, so the rest of a burst (a call's join,
   * offer and connect come within a few ms), and under load the bursts of several calls, go out
   * in one read and one statistics apply instead of one each: at most 1 / lingerMs reads a second
   * whatever the call rate (issue 12: 50 ms → 20 reads and applies a second at 50 calls/s instead
   * of ~80). The first event after a quiet spell still goes out at once; the others wait at most
   * lingerMs, well below what a person watching a page notices.
   */
  lingerMs?: number;
}

interface Subscriber {
  lastId: string | undefined;
  onEvent: EventListener;
  closed: boolean;
}

export function createEventHub(store: Pick<AcdStore, 'readEvents' | 'lastEventId'>, logger: Logger, options: EventHubOptions = {}): EventHub {
  const blockMs = options.blockMs ?? 2_000;
  const pageSize = options.pageSize ?? 500;
  const retryMs = options.retryMs ?? 1_000;
  const lingerMs = options.lingerMs ?? 50;
  const log = logger.child({ component: 'event-hub' });

  const live = new Set<Subscriber>();
  /** Id of the last event the reader has fanned out ('0' = none yet). */
  let cursor = '0';
  let running = false;
  let abort = new AbortController();
  let loop: Promise<void> = Promise.resolve();
  let markReady: () => void = () => {};
  /** Settles when the reader reaches the end of the stream (or stops); subscribers wait on it. */
  let ready = nextReady();

  function nextReady(): Promise<void> {
    return new Promise<void>((resolve) => (markReady = resolve));
  }

  /** One read; undefined after a failure (logged, paused) so callers simply try again. */
  async function read(afterId: string, opts: { count: number; blockMs?: number }): Promise<StoredEvent[] | undefined> {
    try {
      return await store.readEvents(afterId, opts);
    } catch (err) {
      if (!running) return undefined;
      log.error({ err, afterId }, 'reading the event stream failed; retrying');
      await sleep(retryMs, undefined, { signal: abort.signal }).catch(() => undefined);
      return undefined;
    }
  }

  function deliver(sub: Subscriber, event: StoredEvent): void {
    sub.lastId = event.id;
    try {
      sub.onEvent(event);
    } catch (err) {
      log.error({ err, eventId: event.id }, 'event subscriber threw');
    }
  }

  function fanOut(page: StoredEvent[], previousCursor: string): void {
    for (const sub of live) {
      for (const event of page) {
        if (sub.closed) break;
        // A subscriber in step with the reader takes everything; one whose replay ran ahead
        // of the reader skips what it already has.
        if (sub.lastId === previousCursor || compareStreamIds(event.id, sub.lastId!) > 0) deliver(sub, event);
      }
    }
  }

  async function run(): Promise<void> {
    try {
      // Stand on a concrete id before going live: re-reading '$' after a timed-out block would
      // lose whatever was appended between two reads. Nobody is live yet, so nothing is sent.
      while (running) {
        try {
          cursor = await store.lastEventId();
          break;
        } catch (err) {
          log.error({ err }, 'reading the event stream failed; retrying');
          await sleep(retryMs, undefined, { signal: abort.signal }).catch(() => undefined);
        }
      }
      markReady();
      while (running) {
        const page = await read(cursor, { count: pageSize, blockMs });
        if (!running || page === undefined || page.length === 0) continue;
        const previousCursor = cursor;
        cursor = page[page.length - 1]!.id;
        fanOut(page, previousCursor);
        if (page.length < pageSize && lingerMs > 0) await sleep(lingerMs, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    } finally {
      markReady();
    }
  }

  async function activate(sub: Subscriber): Promise<void> {
    await ready;
    if (sub.closed || !running) return;
    sub.lastId ??= cursor;
    // Replay until this subscriber has reached the reader; the reader keeps moving meanwhile,
    // so the target is re-read after every page.
    while (!sub.closed && running && compareStreamIds(sub.lastId, cursor) < 0) {
      const page = await read(sub.lastId, { count: pageSize });
      if (page === undefined) continue;
      if (page.length === 0) {
        // The reader has seen events after lastId, so they were in the stream before this read:
        // an empty page means they are gone (trimmed or deleted). Nothing to replay; go live.
        log.warn({ lastId: sub.lastId, cursor }, 'events missing from the stream; subscriber skips to live');
        sub.lastId = cursor;
      }
      for (const event of page) {
        if (sub.closed) return;
        deliver(sub, event);
      }
    }
    if (!sub.closed && running) live.add(sub);
  }

  return {
    async start() {
      if (running) return ready;
      running = true;
      abort = new AbortController();
      loop = run().catch((err: unknown) => log.error({ err }, 'event hub reader crashed'));
      return ready;
    },
    async stop() {
      running = false;
      abort.abort();
      live.clear();
      await loop;
      ready = nextReady();
    },
    liveSubscribers: () => live.size,
    subscribe(fromId, onEvent) {
      if (fromId !== undefined && !isStreamId(fromId)) throw new AcdError('validation', `'${fromId}' is not an event id`);
      const sub: Subscriber = { lastId: fromId, onEvent, closed: false };
      void activate(sub);
      return () => {
        sub.closed = true;
        live.delete(sub);
      };
    },
  };
}
