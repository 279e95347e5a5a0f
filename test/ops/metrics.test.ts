/**
 * `/metrics` of the whole engine (src/app.ts) parsed by a Prometheus text parser: base units,
 * histograms for routing, ARI and join→answer, process metrics, per-queue gauges, and counters
 * that reset-stats does not reset.
 */
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAcd, type RunningAcd } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { freshPrefix } from '../helpers/redis.js';
import { waitUntil } from '../api/waitUntil.js';
import { inject } from 'vitest';

let sim: Simulator;
let acd: RunningAcd;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  sim.setEndpoint('PJSIP/1001', { kind: 'answer', ringMs: 50, talkMs: 600_000 });
  const file = { queues: [{ id: 'sales' }, { id: 'support' }], agents: [{ id: '1001', endpoint: 'PJSIP/1001', queues: ['sales'] }] };
  const config = loadConfig({ ARI_URL: sim.url, HTTP_PORT: '0', ACD_TENANT: freshPrefix() }, file);
  acd = await startAcd({ ...config, redisUrl: inject('redisUrl') }, pino({ level: 'silent' }));
  await acd.ready;
});
afterAll(async () => {
  await acd.close();
  await sim.close();
});

async function scrape(): Promise<Map<string, MetricFamily>> {
  const res = await fetch(`${acd.httpUrl}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Map(parsePrometheusTextFormat(await res.text()).map((f) => [f.name, f]));
}

const sample = (f: MetricFamily | undefined, labels: Record<string, string>) => f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
const value = (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}) => Number(sample(families.get(name), labels)?.value);

describe('GET /metrics', () => {
  it('exports histograms, process metrics, per-queue gauges and counters in base units', async () => {
    await acd.engine.agents.login('1001', { by: 'test', ready: true });
    sim.placeCall({ queue: 'sales', holdMs: 600_000 });
    await waitUntil(async () => (await acd.store.getAgent('1001'))?.status === 'busy', 'the call answered');
    await waitUntil(async () => value(await scrape(), 'acd_queue_calls_answered_total', { queue: 'sales' }) === 1, 'answer counted');

    const m = await scrape();
    for (const name of ['acd_routing_decision_seconds', 'acd_ari_request_seconds', 'acd_queue_answer_wait_seconds']) expect(m.get(name)?.type).toBe('HISTOGRAM');
    // The parser folds labelled histogram series into one: their values are read from the registry.
    const histograms = await acd.metrics.registry.getMetricsAsJSON();
    const series = (name: string) => (histograms.find((h) => h.name === name)?.values ?? []) as { metricName?: string; labels: Record<string, string | number>; value: number }[];
    const countOf = (name: string, labels: Record<string, string>) =>
      series(name).find((v) => v.metricName === `${name}_count` && Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
    expect(countOf('acd_routing_decision_seconds', { outcome: 'assigned' })).toBeGreaterThanOrEqual(1);
    expect(countOf('acd_queue_answer_wait_seconds', { queue: 'sales' })).toBe(1);
    // Seconds, not ms: the simulated caller waited well under a minute.
    const waitSum = series('acd_queue_answer_wait_seconds').find((v) => v.metricName === 'acd_queue_answer_wait_seconds_sum')?.value;
    expect(waitSum).toBeLessThan(60);
    const ariOps = new Set(series('acd_ari_request_seconds').map((v) => v.labels.operation));
    expect(ariOps.size).toBeGreaterThan(2);
    expect(ariOps).toContain('originate');

    expect(m.get('process_cpu_user_seconds_total')?.type).toBe('COUNTER');
    expect(m.has('nodejs_eventloop_lag_seconds')).toBe(true);

    expect(value(m, 'acd_queue_calls_offered_total', { queue: 'sales' })).toBe(1);
    expect(value(m, 'acd_queue_waiting', { queue: 'sales' })).toBe(0);
    expect(value(m, 'acd_queue_waiting', { queue: 'support' })).toBe(0);
    expect(value(m, 'acd_queue_agents', { queue: 'sales', status: 'busy' })).toBe(1);
    expect(value(m, 'acd_agents', { status: 'busy' })).toBe(1);
    for (const dependency of ['redis', 'ari', 'reconcile']) expect(value(m, 'acd_dependency_up', { dependency })).toBe(1);
    // Talks Redis has no record of (test/acd/lostTalks.test.ts): none while it keeps its data.
    expect(m.get('acd_unrecorded_talks')?.type).toBe('GAUGE');
    expect(value(m, 'acd_unrecorded_talks')).toBe(0);
    expect([...m.keys()].filter((name) => /_ms(_|$)/.test(name))).toEqual([]);

    // A waiting caller shows in the gauges.
    sim.placeCall({ queue: 'support', holdMs: 600_000 });
    await waitUntil(async () => value(await scrape(), 'acd_queue_waiting', { queue: 'support' }) === 1, 'support caller waiting');
    expect(value(await scrape(), 'acd_queue_longest_wait_seconds', { queue: 'support' })).toBeGreaterThanOrEqual(0);
  });

  it('keeps counters monotonic across reset-stats', async () => {
    const before = value(await scrape(), 'acd_queue_calls_offered_total', { queue: 'sales' });
    expect(before).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${acd.httpUrl}/api/queues/sales/reset-stats`, { method: 'POST' })).status).toBe(200);
    expect(value(await scrape(), 'acd_queue_calls_offered_total', { queue: 'sales' })).toBe(before);
  });
});
