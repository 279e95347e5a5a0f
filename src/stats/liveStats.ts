/**
 * Live statistics as the HTTP layer asks for them: the Live Queue `count` (per queue and overall,
 * filtered by queue, agent, group and date range, optionally grouped by hour or day in a time
 * zone), Prometheus figures, and resetting a queue's counters.
 */
import { AcdError } from '../domain/errors.js';
import { systemClock, type Clock } from '../infra/clock.js';
import type { AcdStore } from '../store/types.js';
import { agentTotals, type LiveFigures, liveFigures, sum, type TotalFigures, totals } from './figures.js';
import type { StatsSettings } from './settings.js';
import type { BucketRow, Counters, StatsStore } from './statsStore.js';
import { bucketLabel, checkTimeZone, type GroupBy } from './timeBuckets.js';

export interface LiveQueueQuery {
  queue?: string[];
  agent?: string[];
  group?: string[];
  /** ms epoch; default 24 hours before `to`. */
  from?: number;
  /** ms epoch; default now. */
  to?: number;
  groupBy?: GroupBy;
  timeZone?: string;
}

export type Figures = LiveFigures & TotalFigures;

export interface SeriesPoint extends TotalFigures {
  bucket: string;
}

export interface LiveQueueCount {
  from: number;
  to: number;
  overall: Figures;
  queues: Record<string, Figures>;
  series?: SeriesPoint[];
}

export interface QueueTotals {
  queue: string;
  counters: Counters;
}

export interface LiveStats {
  /** The configured queue groups (group → queues). */
  readonly groups: Record<string, string[]>;
  count(query: LiveQueueQuery): Promise<LiveQueueCount>;
  /** All-time counters per queue (Prometheus). */
  queueTotals(): Promise<QueueTotals[]>;
  resetQueue(queue: string): Promise<void>;
}

const DAY_MS = 86_400_000;

function unknown(field: string, values: string[], known: Set<string>): void {
  const bad = values.filter((v) => !known.has(v));
  if (bad.length > 0) throw new AcdError('validation', `${field}: unknown ${bad.map((b) => `'${b}'`).join(', ')}`, { field });
}

/** `clock`: the store's clock, so the default window ends at the scripts' "now" (tests pin it). */
export function createLiveStats(store: AcdStore, stats: StatsStore, settings: StatsSettings, clock: Clock = systemClock): LiveStats {
  return {
    groups: settings.groups,
    async count(query) {
      const now = clock.now();
      const to = query.to ?? now;
      const from = query.from ?? to - DAY_MS;
      if (from > to) throw new AcdError('validation', 'from must not be after to', { field: 'from' });
      const timeZone = query.timeZone ?? 'UTC';
      checkTimeZone(timeZone);

      const [queueDefs, allAgents, calls] = await Promise.all([store.listQueues(), store.listAgents(), store.listCalls()]);
      const queueIds = new Set(queueDefs.map((q) => q.id));
      unknown('queue', query.queue ?? [], queueIds);
      unknown('group', query.group ?? [], new Set(Object.keys(settings.groups)));
      unknown('agent', query.agent ?? [], new Set(allAgents.map((a) => a.id)));

      const fromGroups = (query.group ?? []).flatMap((g) => settings.groups[g] ?? []);
      const picked = [...(query.queue ?? []), ...fromGroups];
      const queues = picked.length > 0 ? [...new Set(picked)].sort() : [...queueIds].sort();
      const agentFilter = query.agent ? new Set(query.agent) : undefined;
      const scopeAgents = allAgents.filter((a) => (agentFilter ? agentFilter.has(a.id) : a.queues.some((q) => queues.includes(q))));

      const [queueRows, agentRows] = await Promise.all([
        stats.buckets('q', queues, from, to),
        stats.buckets('a', scopeAgents.map((a) => a.id), from, to),
      ]);
      const agentCounters = (ids: Set<string>) => sum(agentRows.filter((r) => ids.has(r.id)).map((r) => r.counters));
      const figuresOf = (rows: BucketRow[], agentIds: Set<string>): TotalFigures =>
        agentFilter ? agentTotals(agentCounters(agentIds)) : totals(sum(rows.map((r) => r.counters)), agentCounters(agentIds));

      const perQueue: Record<string, Figures> = {};
      for (const queue of queues) {
        const agents = scopeAgents.filter((a) => a.queues.includes(queue));
        perQueue[queue] = {
          ...liveFigures(agents, calls.filter((call) => call.queue === queue), now),
          ...figuresOf(queueRows.filter((r) => r.id === queue), new Set(agents.map((a) => a.id))),
        };
      }
      const scopeIds = new Set(scopeAgents.map((a) => a.id));
      const result: LiveQueueCount = {
        from,
        to,
        overall: { ...liveFigures(scopeAgents, calls.filter((call) => queues.includes(call.queue)), now), ...figuresOf(queueRows, scopeIds) },
        queues: perQueue,
      };
      if (query.groupBy) {
        const byLabel = new Map<string, { queue: BucketRow[]; agent: BucketRow[] }>();
        const slot = (hour: number) => {
          const label = bucketLabel(hour, query.groupBy!, timeZone);
          if (!byLabel.has(label)) byLabel.set(label, { queue: [], agent: [] });
          return byLabel.get(label)!;
        };
        for (const row of queueRows) slot(row.hour).queue.push(row);
        for (const row of agentRows) slot(row.hour).agent.push(row);
        result.series = [...byLabel.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([bucket, rows]) => ({
            bucket,
            ...(agentFilter ? agentTotals(sum(rows.agent.map((r) => r.counters))) : totals(sum(rows.queue.map((r) => r.counters)), sum(rows.agent.map((r) => r.counters)))),
          }));
      }
      return result;
    },
    async queueTotals() {
      const ids = (await store.listQueues()).map((q) => q.id);
      const all = await stats.totals('q', ids);
      return ids.map((queue) => ({ queue, counters: all.get(queue) ?? {} }));
    },
    async resetQueue(queue) {
      if (!(await store.getQueue(queue))) throw new AcdError('queue_not_found', `queue '${queue}' does not exist`);
      await stats.reset('q', queue);
    },
  };
}
