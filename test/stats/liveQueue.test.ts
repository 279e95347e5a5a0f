import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApiServices } from '../../src/api/services.js';
import { resolveAuthSettings } from '../../src/auth/settings.js';
import { type ApiHarness, startApi } from '../api/apiHarness.js';
import { type HttpClient, httpClient, KEYS, TEST_AUTH } from '../api/httpClient.js';
import { connectTestRedis } from '../helpers/redis.js';
import { caller } from '../helpers/store.js';
import { projected as waitProjected, statsTraffic } from './statsTraffic.js';

let api: ApiHarness;
let http: HttpClient;
beforeEach(async () => {
  api = await startApi({ auth: TEST_AUTH, stats: { groups: { front: ['sales'] } } });
  http = httpClient(await api.listen());
});
afterEach(async () => {
  await api.close();
});

const count = (body: unknown = {}) => http('POST', '/api/stats/count', { key: KEYS.supervisor, body });

const traffic = () => statsTraffic(api);
const projected = () => waitProjected(api);

describe('POST /api/v2/liveQueue/count', () => {
  it('gives live figures and totals per queue and overall', async () => {
    await traffic();
    await projected();
    const res = await count();
    expect(res.status).toBe(200);
    const { overall, queues } = res.body.data;
    expect(queues.sales).toMatchObject({ TC: 2, answered: 1, abandoned: 1, serviceLevel: 1, serviceLevelWithAbandons: 0.5, queueSize: 0, agTc: 1, onC: 0, ready: 1, wrapup: 0 });
    expect(queues.support).toMatchObject({ TC: 1, answered: 0, queueSize: 1, agTc: 1, onB: 1, longestWaitMs: expect.any(Number) });
    expect(overall).toMatchObject({ TC: 3, answered: 1, abandoned: 1, queueSize: 1, agTc: 2, onB: 1 });
  });

  it('filters by queue, group and agent, and groups by hour or day in a time zone', async () => {
    await traffic();
    await projected();
    expect(Object.keys((await count({ filter: { queue: ['support'] } })).body.data.queues)).toEqual(['support']);
    expect(Object.keys((await count({ filter: { group: ['front'] } })).body.data.queues)).toEqual(['sales']);
    const byAgent = await count({ filter: { agent: ['1001'] } });
    expect(byAgent.body.data.overall).toMatchObject({ answered: 1, agTc: 1 });
    const hourly = await count({ groupBy: 'hourly', timeZone: 'Asia/Kolkata' });
    expect(hourly.body.data.series).toHaveLength(1);
    expect(hourly.body.data.series[0]).toMatchObject({ bucket: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:30$/), TC: 3 });
    const daily = await count({ groupBy: 'daily', timeZone: 'Europe/Prague', filter: { from: new Date(Date.now() - 3_600_000).toISOString() } });
    expect(daily.body.data.series[0]).toMatchObject({ bucket: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), answered: 1 });
    // A range before the traffic has none of it.
    const before = await count({ filter: { from: 0, to: 1_000 } });
    expect(before.body.data.overall).toMatchObject({ TC: 0, answered: 0 });
  });

  it('refuses bad filters naming the field', async () => {
    expect(await count({ filter: { queue: ['nope'] } })).toMatchObject({ status: 400, body: { code: 'validation', message: expect.stringContaining('queue') } });
    expect(await count({ filter: { group: ['nope'] } })).toMatchObject({ status: 400, body: { code: 'validation', message: expect.stringContaining('group') } });
    expect(await count({ filter: { agent: ['ghost'] } })).toMatchObject({ status: 400, body: { code: 'validation', message: expect.stringContaining('agent') } });
    expect(await count({ timeZone: 'Mars/Olympus' })).toMatchObject({ status: 400, body: { code: 'validation', message: expect.stringContaining('timeZone') } });
    expect(await count({ filter: { from: 'yesterday' } })).toMatchObject({ status: 400, body: { code: 'validation', message: expect.stringContaining('from') } });
    expect(await count({ filter: { from: 2_000, to: 1_000 } })).toMatchObject({ status: 400, body: { code: 'validation' } });
    expect(await count({ groupBy: 'weekly' })).toMatchObject({ status: 400, body: { code: 'validation' } });
    expect((await http('POST', '/api/stats/count', { key: KEYS.agent1001 })).status).toBe(403);
  });

  it('counts each event once across a restart of the projector (replay from the stored position)', async () => {
    await traffic();
    await projected();
    await api.services.projector.stop();
    const again = createApiServices({
      redis: connectTestRedis(),
      tenant: api.store.keys.prefix.slice(5, -2),
      store: api.store,
      hub: api.hub,
      logger: (await import('pino')).pino({ level: 'silent' }),
      auth: resolveAuthSettings(undefined),
      stats: { groups: {} },
    });
    again.projector.start();
    await api.store.enqueue(caller('c4', 'sales'));
    await projected();
    expect((await count()).body.data.queues.sales).toMatchObject({ TC: 3, answered: 1, abandoned: 1 });
    await again.projector.stop();
  });

  it('resets a queue\'s statistics (REST and PBXIS)', async () => {
    await traffic();
    await projected();
    expect((await http('POST', '/api/queues/sales/reset-stats', { key: KEYS.supervisor })).status).toBe(200);
    expect((await count()).body.data.queues.sales).toMatchObject({ TC: 0, answered: 0, abandoned: 0 });
    expect((await count()).body.data.queues.support).toMatchObject({ TC: 1 });
    expect((await http('POST', '/queue/reset', { key: KEYS.supervisor, body: { queue: 'support' } })).status).toBe(200);
    expect((await count()).body.data.queues.support).toMatchObject({ TC: 0 });
    expect(await http('POST', '/queue/reset', { key: KEYS.supervisor, body: { queue: 'nope' } })).toMatchObject({ status: 404, body: { code: 'queue_not_found' } });
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text with queue gauges and counters', async () => {
    await traffic();
    await projected();
    const res = await http('GET', '/metrics', { key: KEYS.supervisor });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE acd_queue_waiting gauge');
    expect(res.text).toContain('acd_queue_waiting{queue="support"} 1');
    expect(res.text).toContain('acd_queue_calls_offered_total{queue="sales"} 2');
    expect(res.text).toContain('acd_queue_calls_abandoned_total{queue="sales"} 1');
    expect(res.text).toContain('acd_agents{status="ready"} 1');
    expect((await http('GET', '/metrics')).status).toBe(401);
  });
});
