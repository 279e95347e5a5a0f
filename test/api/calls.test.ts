import { describe, expect, it } from 'vitest';
import { continued, variablesSet } from '../acd/experienceHelpers.js';
import { waitFor } from '../helpers/acdHarness.js';
import { useEngineApi } from './engineApi.js';
import { KEYS, TEST_AUTH } from './httpClient.js';

const config = {
  queues: [{ id: 'sales', ringTimeoutS: 3, wrapupS: 0 }],
  agents: [{ id: '1001', endpoint: 'PJSIP/1001', queues: ['sales'] }],
};

const api = useEngineApi(config, TEST_AUTH);

const sup = (path: string, body?: unknown) => api.http('POST', path, { key: KEYS.supervisor, body });

async function waitingCaller(): Promise<string> {
  const caller = api.e.h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
  await api.e.h.waitForCall(caller, 'waiting');
  return caller;
}

describe('call commands over HTTP, on the real engine', () => {
  it('lists waiting calls with position, wait and priority, and changes a caller\'s priority', async () => {
    const first = await waitingCaller();
    const second = await waitingCaller();
    const before = await api.http('GET', '/api/queues/sales/calls', { key: KEYS.supervisor });
    expect(before.body.waiting.map((c: { id: string; position: number }) => [c.id, c.position])).toEqual([
      [first, 1],
      [second, 2],
    ]);
    expect(before.body.waiting[0]).toMatchObject({ priority: 0, waitMs: expect.any(Number), agentId: '' });

    const res = await sup(`/api/calls/${second}/priority`, { priority: 5 });
    expect(res.status).toBe(200);
    expect(res.body.call).toMatchObject({ id: second, priority: 5 });
    const after = await api.http('GET', '/api/queues/sales/calls', { key: KEYS.supervisor });
    expect(after.body.waiting.map((c: { id: string }) => c.id)).toEqual([second, first]);
  });

  it('withdraws a waiting caller: it leaves the queue alive and continues in the dialplan', async () => {
    const caller = await waitingCaller();
    expect((await sup(`/api/calls/${caller}/withdraw`)).status).toBe(200);
    await waitFor(async () => (await api.e.h.store.getCall(caller)) === undefined, 'the call to leave the queue');
    await waitFor(() => continued(api.e.h.sim, caller), 'the caller back in the dialplan');
    expect(variablesSet(api.e.h.sim, caller).QUEUESTATUS).toBe('WITHDRAW');
    await api.e.h.waitForEvent((ev) => ev.type === 'QueueCallerLeave' && ev.callId === caller);
  });

  it('hangs a call up', async () => {
    const caller = await waitingCaller();
    expect((await sup(`/api/calls/${caller}/hangup`)).status).toBe(200);
    await waitFor(async () => (await api.e.h.store.getCall(caller)) === undefined, 'the call to end');
    await waitFor(() => api.e.h.sim.channel(caller) === undefined || api.e.h.sim.channel(caller)?.state === 'Down' || undefined, 'the caller to be hung up');
  });

  it('refuses bad call commands with the right code, changing nothing', async () => {
    const caller = await waitingCaller();
    expect(await sup('/api/calls/nope/hangup')).toMatchObject({ status: 404, body: { code: 'call_not_found' } });
    expect(await sup('/api/calls/nope/withdraw')).toMatchObject({ status: 404, body: { code: 'call_not_found' } });
    expect(await sup(`/api/calls/${caller}/priority`, { priority: -1 })).toMatchObject({ status: 400, body: { code: 'validation' } });
    expect(await sup(`/api/calls/${caller}/priority`, {})).toMatchObject({ status: 400, body: { code: 'validation', message: expect.stringContaining('priority') } });
    expect(await api.http('POST', `/api/calls/${caller}/hangup`, { key: KEYS.agent1001 })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await api.http('POST', `/api/calls/${caller}/hangup`)).toMatchObject({ status: 401 });
    expect(await api.e.h.store.getCall(caller)).toMatchObject({ state: 'waiting', priority: 0 });
  });
});
