/**
 * Membership writes kick the router: a caller waiting in a queue with no available member is
 * offered as soon as an admin, supervisor or PBXIS client makes a ready agent a member of it.
 */
import { describe, expect, it } from 'vitest';
import { useEngineApi } from './engineApi.js';
import { KEYS, TEST_AUTH } from './httpClient.js';

const config = {
  queues: [
    { id: 'sales', ringTimeoutS: 30, wrapupS: 0 },
    { id: 'support', ringTimeoutS: 30, wrapupS: 0 },
  ],
  agents: [{ id: '1001', endpoint: 'PJSIP/1001', queues: ['support'] }],
};

const api = useEngineApi(config, TEST_AUTH);

const sup = (method: string, path: string, body?: unknown) => api.http(method, path, { key: KEYS.supervisor, body });

/** A caller waiting in sales while agent 1001 is ready but (for now) not offered sales calls. */
async function waitingWithReadyAgent(): Promise<string> {
  api.e.h.sim.setEndpoint('PJSIP/1001', { kind: 'noanswer' });
  await api.e.h.engine.agents.login('1001', { by: 'test', ready: true });
  const caller = api.e.h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
  await api.e.h.waitForCall(caller, 'waiting');
  await api.e.h.engine.idle();
  expect((await api.e.h.store.getCall(caller))?.state).toBe('waiting');
  return caller;
}

describe('membership writes kick the router', () => {
  it('offers the waiting caller once the agent is added with POST /api/queues/:id/members', async () => {
    const caller = await waitingWithReadyAgent();
    expect((await sup('POST', '/api/queues/sales/members', { agentId: '1001' })).status).toBe(201);
    await api.e.h.waitForCall(caller, 'offering');
  });

  it('offers the waiting caller once its member is unpaused', async () => {
    expect((await sup('POST', '/api/queues/sales/members', { agentId: '1001' })).status).toBe(201);
    expect((await sup('POST', '/api/queues/sales/members/1001/pause', { reason: 'coaching' })).body).toMatchObject({ changed: true });
    const caller = await waitingWithReadyAgent();
    expect((await sup('POST', '/api/queues/sales/members/1001/unpause')).body).toMatchObject({ changed: true });
    await api.e.h.waitForCall(caller, 'offering');
  });

  it('offers the waiting caller once PBXIS /queue/add makes the agent a member', async () => {
    const caller = await waitingWithReadyAgent();
    expect((await sup('POST', '/queue/add', { agent: '1001', queue: 'sales' })).status).toBe(200);
    await api.e.h.waitForCall(caller, 'offering');
  });
});
