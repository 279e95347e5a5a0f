/**
 * Live statistics as the HTTP layer asks for them: the Live Queue `count` (per queue and overall,
 * filtered by queue, agent, group and date range, optionally grouped by hour or day in a time
 * zone), Prometheus figures, and resetting a queue's counters.
 */
import { AcdError } from '../domain/errors.js';
import { systemClock, type Clock } from '../infra/clock.js';
import type { AcdStore } from '../store/types.js';
import type { AgentSnapshot } from '../domain/agent.js';
import { agentTotals, type LiveFigures, liveFigures, statusCounts, sum, type TotalFigures, totals } from './figures.js';
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

      const queueDefs = await store.listQueues();
      const queueIds = new Set(queueDefs.map((q) => q.id));
      unknown('queue', query.queue ?? [], queueIds);
      unknown('group', query.group ?? [], new Set(Object.keys(settings.groups)));
      // An agent filter reads the agents asked for; without one, whole queues come counted.
      const filtered = query.agent ? await store.agentsById(query.agent) : undefined;
      if (query.agent) unknown('agent', query.agent, new Set(filtered!.map((a) => a.id)));

      const fromGroups = (query.group ?? []).flatMap((g) => settings.groups[g] ?? []);
      const picked = [...(query.queue ?? []), ...fromGroups];
      const queues = picked.length > 0 ? [...new Set(picked)].sort() : [...queueIds].sort();
      const load = await store.load(queues);
      // Overall agents, each once: the asked agents; the members of the asked queues (O(those
      // members)); or, for every queue, the tenant's counters (O(1)).
      const overallAgents = filtered ? statusCounts(filtered) : picked.length > 0 ? statusCounts(await store.memberAgents(queues)) : load.agents.byStatus;

      const [queueRows, agentRows] = await Promise.all([stats.buckets('q', queues, from, to), filtered ? stats.buckets('a', filtered.map((a) => a.id), from, to) : []]);
      const agentCounters = (ids: Set<string>) => sum(agentRows.filter((r) => ids.has(r.id)).map((r) => r.counters));
      const figuresOf = (rows: BucketRow[], agents: AgentSnapshot[]): TotalFigures =>
        filtered ? agentTotals(agentCounters(new Set(agents.map((a) => a.id)))) : totals(sum(rows.map((r) => r.counters)));

      const perQueue: Record<string, Figures> = {};
      for (const q of load.queues) {
        const agents = filtered?.filter((a) => a.queues.includes(q.queue)) ?? [];
        perQueue[q.queue] = {
          ...liveFigures(filtered ? statusCounts(agents) : q.byStatus, q.calls, now),
          ...figuresOf(queueRows.filter((r) => r.id === q.queue), agents),
        };
      }
      const result: LiveQueueCount = {
        from,
        to,
        overall: { ...liveFigures(overallAgents, load.queues.flatMap((q) => q.calls), now), ...figuresOf(queueRows, filtered ?? []) },
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
            ...(filtered ? agentTotals(sum(rows.agent.map((r) => r.counters))) : totals(sum(rows.queue.map((r) => r.counters)))),
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
