/**
 * Queue definitions kept in memory per store: a call read its queue's hash about four times
 * (entry, wait timers, statistics, end), each one a round trip (issue 12).
 *
 * upsertQueue-2.lua and deleteQueue-4.lua publish the queue's id on the tenant's `queueChanged`
 * channel (dropTenant publishes `*`); every store of the tenant, on any node, listens on a
 * connection of its own and drops its copy. Copies are kept only while that subscription is
 * live: before it is confirmed and from the moment its connection drops (messages may be lost
 * then) every read goes to Redis, and all copies go when it is live again. A read that was on
 * its way when a change was published still answers with what it read, but is no longer kept.
 * Definitions are frozen: a caller changing one would change it for every other.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { QueueDef } from '../domain/queue.js';

export interface QueueCache {
  /** The cached definition, else `load()`'s (kept when the queue exists and the cache is live). */
  get(id: string, load: () => Promise<QueueDef | undefined>): Promise<QueueDef | undefined>;
  /** This store changed the queue: its next read goes to Redis (before the message arrives). */
  forget(id: string): void;
  close(): Promise<void>;
}

/** Published instead of an id: every definition changed (a tenant dropped). */
export const ALL_QUEUES = '*';

export function createQueueCache(redis: Redis, channel: string, logger?: Logger): QueueCache {
  const defs = new Map<string, Promise<QueueDef | undefined>>();
  let live = false;
  let closed = false;
  const subscriber = redis.duplicate();

  const subscribe = () =>
    subscriber.subscribe(channel).then(
      () => {
        if (closed || subscriber.status !== 'ready') return;
        defs.clear();
        live = true;
      },
      (err: unknown) => logger?.warn({ err }, 'queue definitions not cached: subscription failed'),
    );
  subscriber.on('message', (_channel: string, id: string) => {
    if (id === ALL_QUEUES) defs.clear();
    else defs.delete(id);
  });
  subscriber.on('close', () => {
    live = false;
    defs.clear();
  });
  // ioredis resubscribes on its own after a reconnect; the cache is trusted again once it did.
  subscriber.on('ready', () => void subscribe());
  subscriber.on('error', (err: Error) => logger?.debug({ err: err.message }, 'queue cache subscriber'));

  return {
    get(id, load) {
      const cached = live ? defs.get(id) : undefined;
      if (cached) return cached;
      const loading = load().then((def) => (def ? deepFreeze(def) : def));
      if (!live) return loading;
      defs.set(id, loading);
      // A missing queue is not kept (any name can be asked for); nor is a failed read.
      const drop = () => {
        if (defs.get(id) === loading) defs.delete(id);
      };
      loading.then((def) => def ?? drop(), drop);
      return loading;
    },
    forget(id) {
      defs.delete(id);
    },
    async close() {
      closed = true;
      live = false;
      defs.clear();
      subscriber.disconnect();
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
