/**
 * The read endpoints cost O(queues) (plus the calls or members asked for), never O(the tenant's
 * agents): every Redis command a read runs — Lua-internal ones included, as MONITOR shows them —
 * is counted with 10 and with 1,000 agents beside the queue asked about, and the counts must be
 * equal. The endpoints that list no agent must not touch any per-agent key at all.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { agentDef } from '../helpers/store.js';
import { connectTestRedis } from '../helpers/redis.js';
import { createStatsStore } from '../../src/stats/statsStore.js';
import { monitorRedis } from '../helpers/redisMonitor.js';
import { type ApiHarness, startApi } from './apiHarness.js';
import { KEYS, TEST_AUTH } from './httpClient.js';
import { waitUntil } from './waitUntil.js';

interface Read {
  name: string;
  method: 'GET' | 'POST';
  url: string;
  body?: object;
  /** Lists no agent: must read no per-agent key. */
  noAgentKeys: boolean;
}

const READS: Read[] = [
  { name: 'metrics', method: 'GET', url: '/metrics', noAgentKeys: true },
  { name: 'queues', method: 'GET', url: '/api/queues', noAgentKeys: true },
  { name: 'wallboard', method: 'GET', url: '/api/wallboard', noAgentKeys: true },
  { name: 'stats count', method: 'POST', url: '/api/stats/count', body: {}, noAgentKeys: true },
  { name: 'queue calls', method: 'GET', url: '/api/queues/sales/calls', noAgentKeys: true },
  // These list the members of the queue asked about (fixed here), never the others.
  { name: 'PBXIS queue status', method: 'GET', url: '/queue/status?queue=sales', noAgentKeys: false },
  { name: 'Live Queue count', method: 'POST', url: '/api/v2/liveQueue/count', body: { filter: [{ field: 'campId', value: ['sales'] }] }, noAgentKeys: false },
];

interface Cost {
  commands: number;
  agentKeys: number;
}

/** Every command MONITOR sees on the tenant's keys while `read` runs (waits for a marker to see them all). */
async function measure(api: ApiHarness, read: Read): Promise<Cost> {
  const prefix = api.store.keys.prefix;
  const monitor = await monitorRedis();
  const marker = `${prefix}end-of-read`;
  const probe = connectTestRedis();
  try {
    const res = await api.app.inject({ method: read.method, url: read.url, headers: { 'x-api-key': KEYS.supervisor }, ...(read.body ? { payload: read.body } : {}) });
    expect(res.statusCode, `${read.name}: ${res.body}`).toBe(200);
    await probe.get(marker); // MONITOR shows commands in order: once it shows this, it showed the read's
    await waitUntil(() => monitor.commands.some((args) => args.includes(marker)), 'the read\'s commands in MONITOR');
  } finally {
    monitor.close();
    probe.disconnect();
  }
  const ours = monitor.commands.filter((args) => !args.includes(marker) && args.some((a) => a.startsWith(prefix)));
  return { commands: ours.length, agentKeys: ours.filter((args) => args.some((a) => a.startsWith(`${prefix}agent:`))).length };
}

/** Three agents in sales/support (the harness), `others` more in support, most logged in, some on a break; two callers waiting in sales. */
async function apiWithAgents(others: number): Promise<ApiHarness> {
  const api = await startApi({ auth: TEST_AUTH });
  const { store } = api;
  for (let i = 0; i < others; i++) {
    const id = `x${i}`;
    await store.upsertAgent(agentDef(id, ['support']));
    if (i % 4 === 3) continue;
    await store.login(id, `PJSIP/${id}`, { by: 'agent', ready: i % 4 !== 2 });
    if (i % 4 === 2) await store.setNotReady(id, 'break', { by: 'agent' });
  }
  await store.login('1001', 'PJSIP/1001', { by: 'agent' });
  await store.setNotReady('1001', 'lunch', { by: 'agent' });
  for (const n of [1, 2]) await store.enqueue({ callId: `c${n}`, queue: 'sales', callerChannel: `ch${n}`, callerNumber: `55${n}`, callerName: '', priority: 0, node: 'n' });
  // Nothing else may run meanwhile: the statistics projector and the event hub stop, once every
  // event is applied (the hub pauses after a read, so the last ones may still be on their way).
  const last = await store.lastEventId();
  const redis = connectTestRedis();
  try {
    const stats = createStatsStore(redis, store.keys.prefix);
    await waitUntil(async () => (await stats.position()) === last, 'every event applied to the statistics');
  } finally {
    redis.disconnect();
  }
  await api.services.projector.stop();
  await api.hub.stop();
  return api;
}

describe('read endpoints', () => {
  const opened: ApiHarness[] = [];
  afterEach(async () => {
    for (const api of opened.splice(0)) await api.close();
  });

  it('run the same Redis commands with 10 or 1,000 other agents, and the agent-free ones touch no agent key', async () => {
    const costs: Record<number, Record<string, Cost>> = {};
    for (const others of [10, 1000]) {
      const api = await apiWithAgents(others);
      opened.push(api);
      costs[others] = {};
      for (const read of READS) costs[others][read.name] = await measure(api, read);
    }
    for (const read of READS) {
      expect(costs[1000]![read.name], read.name).toEqual(costs[10]![read.name]);
      expect(costs[10]![read.name]!.commands, read.name).toBeGreaterThan(0);
      if (read.noAgentKeys) expect(costs[10]![read.name]!.agentKeys, read.name).toBe(0);
    }
  }, 120_000);
});
