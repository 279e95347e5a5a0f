import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { by, caller } from '../helpers/store.js';
import { type ApiHarness, startApi } from './apiHarness.js';

let api: ApiHarness;
beforeEach(async () => {
  api = await startApi();
  const { store } = api;
  // sales: c1 offered to 1001 (reserved), c2 and c3 waiting; support: c4 waiting; 1002 not ready, 2001 logged out.
  await store.login('1001', undefined, { ...by, ready: true });
  await store.login('1002', undefined, by);
  for (const id of ['c1', 'c2', 'c3']) await store.enqueue(caller(id, 'sales'));
  await store.enqueue(caller('c4', 'support'));
  const offer = await store.assign({ queue: 'sales' }, 'agent-leg-1');
  expect(offer).toMatchObject({ callId: 'c1', agentId: '1001' });
});
afterEach(async () => {
  await api.close();
});

describe('GET /api/queues', () => {
  it('gives each queue its definition and live figures', async () => {
    const res = await api.app.inject({ url: '/api/queues' });
    expect(res.statusCode).toBe(200);
    const [sales, support] = res.json();
    expect(sales).toMatchObject({
      id: 'sales',
      name: 'Queue sales',
      strategy: 'longest-idle',
      ringTimeoutS: 15,
      waiting: 2,
      agents: { loggedIn: 2, byStatus: { ready: 0, not_ready: 1, reserved: 1, ringing: 0, busy: 0, after_call_work: 0 } },
    });
    expect(sales.longestWaitMs).toBeGreaterThanOrEqual(0);
    expect(support).toMatchObject({ id: 'support', waiting: 1, agents: { loggedIn: 1, byStatus: { not_ready: 1 } } });
  });
});

describe('GET /api/queues/:queueId/calls', () => {
  it('lists waiting calls in queue order with positions, then the offered call with its agent', async () => {
    const res = await api.app.inject({ url: '/api/queues/sales/calls' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.queue).toBe('sales');
    expect(body.waiting.map((c: { id: string; position: number }) => [c.id, c.position])).toEqual([
      ['c2', 1],
      ['c3', 2],
    ]);
    expect(body.waiting[0].waitMs).toBeGreaterThanOrEqual(0);
    expect(body.active).toEqual([expect.objectContaining({ id: 'c1', state: 'offering', agentId: '1001', agentChannel: 'agent-leg-1' })]);
  });

  it('answers 404 queue_not_found for an unknown queue', async () => {
    const res = await api.app.inject({ url: '/api/queues/nope/calls' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ status: 'error', code: 'queue_not_found', message: expect.stringContaining('nope') });
  });
});

describe('GET /api/calls', () => {
  it('lists every active call of every queue', async () => {
    const res = await api.app.inject({ url: '/api/calls' });
    expect(res.statusCode).toBe(200);
    const calls = res.json() as { id: string; queue: string; state: string }[];
    expect(calls.map((c) => `${c.id}:${c.queue}:${c.state}`).sort()).toEqual(['c1:sales:offering', 'c2:sales:waiting', 'c3:sales:waiting', 'c4:support:waiting']);
  });
});
