/**
 * The statistics projector: follows the event stream (through the process's EventHub, from the
 * position stored with the aggregates) and applies each event once, in stream order. Events go
 * in batches, at most one every `batchMs` (250 ms: figures for wallboards and reports, a quarter
 * second late at most): one Redis round trip and one script run per batch, not per call, and
 * the script writes each counter once per batch (issue 12). The Lua apply skips any event at or
 * before the stored position, so a restart replays harmlessly. One engine instance projects at
 * a time (a Redis lease), because agent-state durations depend on the previous event having
 * been applied.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { EventHub } from '../api/eventHub.js';
import { compareStreamIds } from '../api/streamId.js';
import type { StoredEvent } from '../domain/events.js';
import type { AcdStore } from '../store/types.js';
import { type AgentMark, project } from './projection.js';
import type { ProjectedEvent, StatsStore } from './statsStore.js';

export const DEFAULT_SERVICE_LEVEL_S = 20;

/** Events per apply at most: one script run blocks the tenant's Redis while it runs. */
const MAX_BATCH = 200;
/** The longest wait before following again after applies that keep failing. */
const MAX_RETRY_MS = 30_000;

export interface ProjectorOptions {
  /** Lease length; renewed at a third of it. */
  leaseMs?: number;
  /** At most one apply per this many ms: the events in between go in one batch (default 250). */
  batchMs?: number;
}

export interface Projector {
  start(): void;
  stop(): Promise<void>;
  /** Resolves once every event delivered so far is applied (tests). */
  idle(): Promise<void>;
}

export function createProjector(deps: { redis: Redis; prefix: string; stats: StatsStore; hub: EventHub; store: Pick<AcdStore, 'getQueue' | 'getAgent'>; logger: Logger }, options: ProjectorOptions = {}): Projector {
  const { redis, stats, hub, store } = deps;
  const log = deps.logger.child({ component: 'stats-projector' });
  const leaseMs = options.leaseMs ?? 15_000;
  const batchMs = options.batchMs ?? 250;
  let lastApplyAt = 0;
  const leaseKey = `${deps.prefix}stats:lease`;
  const me = randomUUID();

  let marks = new Map<string, AgentMark>();
  const serviceLevels = new Map<string, number>();
  let chain: Promise<void> = Promise.resolve();
  let pending: StoredEvent[] = [];
  let flushQueued = false;
  /** The last event applied: one delivered again (a replay) is skipped. */
  let position = '0-0';
  let unsubscribe: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  /** Applies failed in a row (Redis refusing writes): each waits twice as long before following again. */
  let failures = 0;
  /** Cuts a wait before following again short when the projector stops. */
  let stopping = new AbortController();

  async function serviceLevelMs(queue: string): Promise<number> {
    if (!serviceLevels.has(queue)) {
      const def = await store.getQueue(queue);
      serviceLevels.set(queue, (def?.serviceLevelS ?? DEFAULT_SERVICE_LEVEL_S) * 1000);
    }
    return serviceLevels.get(queue)!;
  }

  /** Projects one event; the agent's new mark is kept at once, as the batch's next events build on it. */
  async function projectOne(stored: StoredEvent): Promise<ProjectedEvent> {
    const { event } = stored;
    const slMs = 'queue' in event ? await serviceLevelMs(event.queue) : 0;
    // A break that ends counts in the agent's queues too: one read per break, not per statistics request.
    const queues = event.type === 'AgentStatus' && event.previous === 'not_ready' ? ((await store.getAgent(event.agentId))?.queues ?? []) : [];
    const projection = project(event, { serviceLevelMs: () => slMs, mark: (id) => marks.get(id), queuesOf: () => queues });
    if (projection.mark) marks.set(projection.mark.agentId, projection.mark.mark);
    return { eventId: stored.id, projection };
  }

  async function applyPending(): Promise<void> {
    flushQueued = false;
    const delivered = pending.splice(0, MAX_BATCH);
    if (pending.length > 0) queueFlush();
    // Definition changes are picked up once per batch with a join in that queue, not once per join.
    for (const { event } of delivered) if (event.type === 'QueueCallerJoin') serviceLevels.delete(event.queue);
    const batch: ProjectedEvent[] = [];
    for (const stored of delivered) {
      if (compareStreamIds(stored.id, position) <= 0) continue; // applied before (a replay)
      batch.push(await projectOne(stored));
      position = stored.id;
    }
    const applied = await stats.apply(batch);
    // Fewer: the stored position moved under us (marks and position are read again).
    if (applied !== batch.length) throw new Error(`statistics apply counted ${applied} of ${batch.length} events`);
  }

  /** The next batch starts `batchMs` after the last one: the events of the wait join it. */
  async function batchDue(): Promise<void> {
    const wait = lastApplyAt + batchMs - Date.now();
    if (wait > 0) await delay(wait);
    lastApplyAt = Date.now();
  }

  function queueFlush(): void {
    if (flushQueued) return;
    flushQueued = true;
    chain = chain
      .then(batchDue)
      .then(applyPending)
      .then(
        () => {
          failures = 0;
        },
        (err: unknown) => {
          failures += 1;
          const retryMs = Math.min(batchMs * 2 ** failures, MAX_RETRY_MS);
          log.error({ err, failures, retryMs }, 'applying events to the statistics failed; resubscribing');
          resubscribe(retryMs);
        },
      );
  }

  async function follow(): Promise<void> {
    // Following already: a lease check queued during a back-off (no subscription then) comes after the one that resubscribed.
    if (!running || unsubscribe) return;
    pending = [];
    try {
      marks = await stats.marks();
      position = await stats.position();
    } catch (err) {
      // Not following: the next lease check (tick) tries again. A rejection left in `chain` would stop every later step.
      log.error({ err }, 'reading the statistics position failed; trying again at the next lease check');
      return;
    }
    unsubscribe = hub.subscribe(position, (stored) => {
      pending.push(stored);
      queueFlush();
    });
  }

  function resubscribe(afterMs: number): void {
    unsubscribe?.();
    unsubscribe = undefined;
    // The stored position says where the last applied event is; follow() resumes after it.
    if (running) chain = chain.then(() => delay(afterMs, undefined, { signal: stopping.signal }).catch(() => undefined)).then(follow);
  }

  /** Takes or renews the lease; starts or stops following accordingly. */
  async function tick(): Promise<void> {
    const held = (await redis.get(leaseKey)) === me;
    const ok = held ? await redis.set(leaseKey, me, 'PX', leaseMs, 'XX') : await redis.set(leaseKey, me, 'PX', leaseMs, 'NX');
    if (ok && !unsubscribe) {
      log.info('projecting statistics');
      chain = chain.then(follow);
    } else if (!ok && unsubscribe) {
      log.warn('statistics lease lost; another instance projects');
      unsubscribe();
      unsubscribe = undefined;
    }
  }

  return {
    start() {
      running = true;
      stopping = new AbortController();
      const loop = () => {
        tick()
          .catch((err: unknown) => log.error({ err }, 'statistics lease check failed'))
          .finally(() => {
            if (running) timer = setTimeout(loop, leaseMs / 3);
          });
      };
      loop();
    },
    async stop() {
      running = false;
      stopping.abort();
      clearTimeout(timer);
      unsubscribe?.();
      unsubscribe = undefined;
      await chain.catch(() => undefined);
      await redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, leaseKey, me);
    },
    async idle() {
      await chain;
    },
  };
}
