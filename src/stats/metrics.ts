/**
 * Prometheus metrics with prom-client, in base units (seconds). Three kinds:
 * - measured where things happen: routing decisions (the store's `route` script), ARI requests by
 *   operation (every Pbx method), join→answer of callers (from `AgentConnect`);
 * - counted from the event stream as this process sees it: counters only ever grow (reset-stats
 *   resets the live statistics, not these; a process restart starts them at 0, which Prometheus'
 *   rate() understands);
 * - read at scrape time: callers waiting and longest wait per queue, agents by status (overall and
 *   per queue) from the store's counters and per-queue call indexes (O(queues) plus their calls,
 *   whatever the number of agents: src/store/countOps.ts), Redis/ARI/reconcile up, open event
 *   streams; plus Node's default process metrics (CPU, memory, GC, event-loop lag).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AGENT_STATUSES } from '../domain/agent.js';
import type { AcdEvent } from '../domain/events.js';
import type { Dependency, Health } from '../infra/health.js';
import type { Pbx } from '../pbx/port.js';
import type { AriPbx } from '../pbx/ari/index.js';
import type { TenantLoad } from '../store/countOps.js';
import type { AcdStore, RouteResult } from '../store/types.js';
import { waitingSince } from './figures.js';
import { wrapOnce, type Wrapped } from '../infra/wrapOnce.js';

export interface MetricsSources {
  store: AcdStore;
  /** Subscribes to live events (the event hub); returns the unsubscribe function. */
  subscribe(onEvent: (event: AcdEvent) => void): () => void;
  health?: Health;
  /** Open SSE/WebSocket/long-poll clients. */
  openStreams?: () => number;
  /** Talks going on that Redis has no record of (the engine's, src/acd/lostTalks.ts). */
  unrecordedTalks?: () => number;
}

export interface EngineMetrics {
  readonly registry: Registry;
  /** The Pbx with every request timed (`acd_ari_request_seconds{operation}`). */
  timePbx(pbx: Pbx): Pbx;
  /** The store with each routing decision timed (`acd_routing_decision_seconds`), a join's included. */
  timeRouting<S extends Pick<AcdStore, 'route' | 'enqueue'>>(store: S): S;
  /** Starts the event counters and the scrape-time gauges; returns the function that stops them. */
  attach(sources: MetricsSources): () => void;
}

const DEPENDENCIES: Dependency[] = ['redis', 'ari', 'reconcile'];
/** Pbx members that are not requests to the PBX. */
const NOT_REQUESTS = new Set<PropertyKey>(['onEvent', 'start', 'stop', 'connected', 'constructor']);

/**
 * Sampling interval (ms) of the event-loop delay histogram (`nodejs_eventloop_lag_p50/p99/max_seconds`).
 * Node's `monitorEventLoopDelay` records the time between two ticks of a timer of this interval, so
 * those figures include it: an idle loop reads ~100 ms, a loop blocked 2 ms reads ~102. Each tick
 * wakes the process: at prom-client's 10 ms, or the 20 ms of before, the timer alone made the idle
 * engine's 100-200 system calls a second (docs/performance.md).
 */
export const EVENT_LOOP_SAMPLING_MS = 100;

export function createMetrics(options: { processMetrics?: boolean } = {}): EngineMetrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLING_MS });
  const registers = [registry];

  const routing = new Histogram({
    name: 'acd_routing_decision_seconds',
    help: "Time of one routing decision (the atomic match of waiting callers and free agents in Redis; a caller's join makes one in the same script, timed with it)",
    labelNames: ['outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const ari = new Histogram({
    name: 'acd_ari_request_seconds',
    help: 'ARI REST requests by operation and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers,
  });
  const answerWait = new Histogram({
    name: 'acd_queue_answer_wait_seconds',
    help: 'Wait of answered callers, from joining the queue to the agent answering',
    labelNames: ['queue'],
    buckets: [1, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600],
    registers,
  });
  const counter = (name: string, help: string, labelNames: string[] = ['queue']) => new Counter({ name, help, labelNames, registers });
  const offered = counter('acd_queue_calls_offered_total', 'Callers that joined the queue');
  const answered = counter('acd_queue_calls_answered_total', 'Callers connected to an agent');
  const abandoned = counter('acd_queue_calls_abandoned_total', 'Callers that hung up while waiting');
  const left = counter('acd_queue_calls_left_total', 'Callers that left the queue other than by answer or abandon, by reason', ['queue', 'reason']);
  const noAnswer = counter('acd_queue_ring_noanswer_total', 'Offers to an agent that were not answered');
  const talk = counter('acd_queue_talk_seconds_total', 'Talk time of completed calls');

  const countEvent = (e: AcdEvent) => {
    switch (e.type) {
      case 'QueueCallerJoin':
        return offered.inc({ queue: e.queue });
      case 'AgentConnect':
        answered.inc({ queue: e.queue });
        return answerWait.observe({ queue: e.queue }, e.waitMs / 1000);
      case 'QueueCallerAbandon':
        return abandoned.inc({ queue: e.queue });
      case 'QueueCallerLeave':
        return left.inc({ queue: e.queue, reason: e.reason || 'unknown' });
      case 'AgentRingNoAnswer':
        return noAnswer.inc({ queue: e.queue });
      case 'AgentComplete':
        return talk.inc({ queue: e.queue }, e.talkMs / 1000);
      default:
    }
  };

  return {
    registry,
    timePbx(pbx) {
      if (isAriPbx(pbx)) restTransportCounter(registry, pbx);
      // Built once per member, not per access: the engine calls the Pbx and the store dozens of
      // times per call, and a bound function plus prom-client's label lookup each time showed in
      // the profile (issue 12).
      const members: Wrapped = new Map();
      const timed = (prop: string, request: (...a: unknown[]) => Promise<unknown>) => {
        const ok = ari.labels(prop, 'ok');
        const failed = ari.labels(prop, 'error');
        return (...args: unknown[]) => {
          const start = performance.now();
          return request(...args).then(
            (result) => (ok.observe((performance.now() - start) / 1000), result),
            (err: unknown) => {
              failed.observe((performance.now() - start) / 1000);
              throw err;
            },
          );
        };
      };
      return new Proxy(pbx, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function') return value;
          return wrapOnce(members, prop, value, () => {
            const bound = (value as (...a: unknown[]) => Promise<unknown>).bind(target);
            return NOT_REQUESTS.has(prop) || typeof prop !== 'string' ? bound : timed(prop, bound);
          });
        },
      });
    },
    timeRouting(store) {
      const route = store.route.bind(store);
      const assigned = routing.labels('assigned');
      const none = routing.labels('none');
      const observe = (decision: RouteResult, start: number) => (decision.assignments.length > 0 ? assigned : none).observe((performance.now() - start) / 1000);
      const timedRoute = async (...args: Parameters<AcdStore['route']>) => {
        const start = performance.now();
        const result = await route(...args);
        observe(result, start);
        return result;
      };
      const enqueue = store.enqueue.bind(store);
      // A join that decided (routeWith, issue 12) counts as one decision: its script is the join and the decision.
      const timedEnqueue = async (...args: Parameters<AcdStore['enqueue']>) => {
        const start = performance.now();
        const joined = await enqueue(...args);
        if (joined.route) observe(joined.route, start);
        return joined;
      };
      const members: Wrapped = new Map();
      return new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'route') return timedRoute;
          if (prop === 'enqueue') return timedEnqueue;
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function') return value;
          return wrapOnce(members, prop, value, () => (value as (...a: unknown[]) => unknown).bind(target));
        },
      });
    },
    attach(sources) {
      const gauges = scrapeGauges(registry, sources);
      const unsubscribe = sources.subscribe(countEvent);
      return () => {
        unsubscribe();
        for (const g of gauges) registry.removeSingleMetric(g);
      };
    },
  };
}

const isAriPbx = (pbx: Pbx): pbx is AriPbx => 'restRequests' in pbx;

/**
 * REST requests by the way they went, read from the adapter at each scrape: one over HTTP costs
 * Asterisk and the engine ~1 ms more CPU than one over the event WebSocket (all-HTTP against
 * all-socket runs, docs/performance.md), so a growing HTTP share under load is worth seeing.
 */
function restTransportCounter(registry: Registry, pbx: AriPbx): void {
  const name = 'acd_ari_rest_requests_total';
  // The Pbx timed last is the one counted (the engine times one).
  registry.removeSingleMetric(name);
  new Counter({
    name,
    help: 'ARI REST requests by transport: websocket (the event WebSocket) or http (before the socket answered, listings, or two already in flight there)',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [transport, count] of Object.entries(pbx.restRequests)) this.inc({ transport }, count);
    },
  });
}

/** Gauges computed at each scrape; the store ones are skipped while Redis is down (no hanging scrape). */
function scrapeGauges(registry: Registry, { store, health, openStreams, unrecordedTalks }: MetricsSources): string[] {
  const registers = [registry];
  const redisDown = () => health !== undefined && !health.isUp('redis');
  new Gauge({
    name: 'acd_dependency_up',
    help: 'Redis reachable, ARI connected, reconcile done after the last ARI connection (1 up, 0 down)',
    labelNames: ['dependency'],
    registers,
    collect() {
      this.reset();
      if (health) for (const dep of DEPENDENCIES) this.set({ dependency: dep }, health.isUp(dep) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'acd_event_streams_open',
    help: 'Open SSE, WebSocket and long-poll clients',
    registers,
    collect() {
      this.set(openStreams?.() ?? 0);
    },
  });
  new Gauge({
    name: 'acd_unrecorded_talks',
    help: 'Talks going on that Redis has no record of (its data was lost under them): each ends when one side hangs up',
    registers,
    collect() {
      this.set(unrecordedTalks?.() ?? 0);
    },
  });
  // One read of the store per scrape, shared by the gauges below (prom-client collects them together).
  let pending: Promise<StoreView | undefined> | undefined;
  const view = () => {
    if (!pending) {
      pending = redisDown() ? Promise.resolve(undefined) : readStore(store);
      setImmediate(() => (pending = undefined));
    }
    return pending;
  };
  const storeGauge = (name: string, help: string, labelNames: string[], fill: (gauge: Gauge, v: StoreView) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const v = await view();
        this.reset();
        if (v) fill(this, v);
      },
    });
  storeGauge('acd_queue_waiting', 'Callers waiting', ['queue'], (g, v) => {
    for (const q of v.queues) g.set({ queue: q.queue }, waitingSince(q).length);
  });
  storeGauge('acd_queue_longest_wait_seconds', 'Wait so far of the caller waiting longest', ['queue'], (g, v) => {
    for (const q of v.queues) g.set({ queue: q.queue }, Math.max(0, (v.at - (waitingSince(q)[0] ?? v.at)) / 1000));
  });
  storeGauge('acd_queue_agents', 'Agents that are members of the queue, by status', ['queue', 'status'], (g, v) => {
    for (const q of v.queues) for (const status of AGENT_STATUSES) g.set({ queue: q.queue, status }, q.byStatus[status]);
  });
  storeGauge('acd_agents', 'Agents by status', ['status'], (g, v) => {
    for (const status of AGENT_STATUSES) g.set({ status }, v.agents.byStatus[status]);
  });
  return ['acd_dependency_up', 'acd_event_streams_open', 'acd_unrecorded_talks', 'acd_queue_waiting', 'acd_queue_longest_wait_seconds', 'acd_queue_agents', 'acd_agents'];
}

interface StoreView extends TenantLoad {
  at: number;
}

/** Counters and per-queue call indexes: O(queues) plus their calls, whatever the number of agents. */
async function readStore(store: AcdStore): Promise<StoreView> {
  const queues = await store.listQueues();
  return { at: Date.now(), ...(await store.load(queues.map((q) => q.id))) };
}
