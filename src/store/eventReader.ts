/**
 * Reading the event stream. A blocking XREAD holds its connection for up to `blockMs`, so it
 * never runs on the store's command connection; concurrent readers (one per SSE client) each
 * borrow a duplicated connection from a small pool instead of queueing behind one another.
 * Events are parsed here, once, into the typed AcdEvent (older shapes upgraded, legacyEvents.ts).
 */
import type { Redis } from 'ioredis';
import type { AcdEvent, StoredEvent } from '../domain/events.js';
import { currentEvent } from './legacyEvents.js';

const DEFAULT_COUNT = 100;

type XReadReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

function parseEntries(reply: XReadReply): StoredEvent[] {
  const entries = reply?.[0]?.[1] ?? [];
  return entries.map(([id, fields]) => ({ id, event: currentEvent(JSON.parse(fields[fields.indexOf('e') + 1]) as AcdEvent) }));
}

export interface EventReader {
  read(afterId: string, opts?: { count?: number; blockMs?: number }): Promise<StoredEvent[]>;
  close(): Promise<void>;
}

export function createEventReader(redis: Redis, streamKey: string): EventReader {
  const idle: Redis[] = [];
  const all = new Set<Redis>();
  let closed = false;

  const borrow = (): Redis => {
    const conn = idle.pop() ?? redis.duplicate();
    all.add(conn);
    return conn;
  };
  const giveBack = (conn: Redis) => {
    if (closed) conn.disconnect();
    else idle.push(conn);
  };

  return {
    async read(afterId, opts = {}) {
      const count = opts.count ?? DEFAULT_COUNT;
      if (opts.blockMs === undefined) {
        return parseEntries((await redis.xread('COUNT', count, 'STREAMS', streamKey, afterId)) as XReadReply);
      }
      const conn = borrow();
      try {
        return parseEntries((await conn.xread('COUNT', count, 'BLOCK', opts.blockMs, 'STREAMS', streamKey, afterId)) as XReadReply);
      } finally {
        giveBack(conn);
      }
    },
    async close() {
      closed = true;
      // disconnect, not QUIT: QUIT would queue behind a blocked XREAD. Readers still blocked get
      // a "connection closed" error.
      for (const conn of all) conn.disconnect();
    },
  };
}
