/**
 * Admin writes kick the router: a caller waiting in a queue with no available member is offered
 * as soon as an admin, supervisor or PBXIS client makes a ready agent a member of it (membership,
 * unpause, the agent's definition), or changes the queue so that a ready member now fits.
 */
import { describe, expect, it } from 'vitest';
import { useEngineApi } from './engineApi.js';
import { KEYS, TEST_AUTH } from './httpClient.js';
import { waitUntil } from './waitUntil.js';

const config = {
  queues: [
    { id: 'sales', ringTimeoutS: 30, wrapupS: 0 },
    { id: 'support', ringTimeoutS: 30, wrapupS: 0 },
  ],
  agents: [{ id: '1001', endpoint: 'PJSIP/1001', queues: ['support'] }],
};

const api = useEngineApi(config, TEST_AUTH);

const sup = (method: string, path: string, body?: unknown) => api.http(method, path, { key: KEYS.supervisor, body });
const admin = (method: string, path: string, body?: unknown) => api.http(method, path, { key: KEYS.admin, body });

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

  it('offers the waiting caller once PATCH /api/agents/:id adds the queue to the agent', async () => {
    const caller = await waitingWithReadyAgent();
    const res = await admin('PATCH', '/api/agents/1001', { queues: ['support', 'sales'] });
    expect(res.status).toBe(200);
    await api.e.h.waitForCall(caller, 'offering');
  });
});

describe('queue definition writes kick the router', () => {
  /** Agent 1001 ready in sales at penalty 5 while sales offers penalty 0 only: its caller waits. */
  async function waitingAboveCeiling(): Promise<string> {
    expect((await admin('PATCH', '/api/queues/sales', { maxPenalty: 0 })).status).toBe(200);
    expect((await sup('POST', '/api/queues/sales/members', { agentId: '1001', penalty: 5 })).status).toBe(201);
    return waitingWithReadyAgent();
  }

  it('offers the waiting caller once PATCH /api/queues/:id raises the penalty ceiling over its member', async () => {
    const caller = await waitingAboveCeiling();
    expect((await admin('PATCH', '/api/queues/sales', { maxPenalty: 10 })).status).toBe(200);
    await api.e.h.waitForCall(caller, 'offering');
  });

  it('offers the waiting caller once PATCH /api/queues/:id lets it ring an agent whose phone is in use (ringInUse)', async () => {
    expect((await admin('PATCH', '/api/queues/sales', { ringInUse: false })).status).toBe(200);
    expect((await sup('POST', '/api/queues/sales/members', { agentId: '1001' })).status).toBe(201);
    api.e.h.sim.placeDirectCall('PJSIP/1001');
    const caller = await waitingWithReadyAgent();
    await waitUntil(async () => (await api.e.h.store.getAgent('1001'))?.deviceInUse === true, 'agent 1001 phone in use');
    await api.e.h.engine.idle();
    expect((await api.e.h.store.getCall(caller))?.state).toBe('waiting');
    expect((await admin('PATCH', '/api/queues/sales', { ringInUse: true })).status).toBe(200);
    await api.e.h.waitForCall(caller, 'offering');
  });
});
