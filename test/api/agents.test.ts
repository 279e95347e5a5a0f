import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './apiHarness.js';

let api: ApiHarness;
beforeEach(async () => {
  // Open mode; 1001 may also log in on the phones these tests use (issue 8 item 2: an allow-list).
  api = await startApi({ auth: { agentEndpoints: { '1001': ['PJSIP/9001', 'PJSIP/7001'] } } });
});
afterEach(async () => {
  await api.close();
});

const post = (url: string, body?: unknown) =>
  api.app.inject({ method: 'POST', url, ...(body === undefined ? {} : { payload: body as Record<string, unknown> }) });

/** The agent as the store has it, minus `since` (which moves on every change). */
async function agentState(id: string) {
  const agent = await api.store.getAgent(id);
  return { status: agent?.status, reason: agent?.reason, version: agent?.version, endpoint: agent?.endpoint };
}

/** Asserts the uniform error body and that the agent's state did not move. */
async function expectRejected(send: () => Promise<{ statusCode: number; json(): unknown }>, status: number, code: string, agentId = '1001') {
  const before = await agentState(agentId);
  const res = await send();
  expect(res.statusCode).toBe(status);
  const body = res.json() as Record<string, unknown>;
  expect(body).toEqual({ status: 'error', code, message: expect.any(String) });
  expect(await agentState(agentId)).toEqual(before);
  return body.message as string;
}

describe('agent snapshots', () => {
  it('lists every agent and gives one by id', async () => {
    const list = await api.app.inject({ url: '/api/agents' });
    expect(list.statusCode).toBe(200);
    expect(list.json().map((a: { id: string; status: string }) => [a.id, a.status])).toEqual([
      ['1001', 'logged_out'],
      ['1002', 'logged_out'],
      ['2001', 'logged_out'],
    ]);

    const one = await api.app.inject({ url: '/api/agents/1002' });
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: '1002', name: 'Agent 1002', status: 'logged_out', queues: ['sales', 'support'], callsTaken: 0 });
  });

  it('shows the status asked for the end of a call and a talk Redis lost (every snapshot field)', async () => {
    // Fields the scripts write on a busy agent (pendingStatus) and on the agent of a kept talk (lostTalk).
    await api.redis.hset(api.store.keys.agent('1001'), { pendingStatus: 'not_ready', pendingReason: 'break' });
    await api.store.setLostTalk('1001', 'node-a|acd-agent-1');
    const expected = { id: '1001', pending: { status: 'not_ready', reason: 'break' }, lostTalk: 'node-a|acd-agent-1' };
    expect((await api.app.inject({ url: '/api/agents/1001' })).json()).toMatchObject(expected);
    expect((await api.app.inject({ url: '/api/agents' })).json()[0]).toMatchObject(expected);
  });

  it('answers 404 agent_not_found for an unknown agent', async () => {
    const res = await api.app.inject({ url: '/api/agents/nobody' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ status: 'error', code: 'agent_not_found', message: expect.stringContaining('nobody') });
  });

  it('serves the configured reason codes', async () => {
    const res = await api.app.inject({ url: '/api/reasons' });
    expect(res.json()).toEqual({
      notReady: [
        { code: 'break', label: 'Break' },
        { code: 'lunch', label: 'Lunch' },
      ],
      logout: [{ code: 'eod', label: 'End of day' }],
    });
  });
});

describe('agent commands', () => {
  it('runs a whole session: login, not ready, ready, logout', async () => {
    const login = await post('/api/agents/1001/login', { endpoint: 'PJSIP/9001' });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ status: 'ok', agent: { id: '1001', status: 'not_ready', endpoint: 'PJSIP/9001' } });

    const notReady = await post('/api/agents/1001/not-ready', { reason: 'lunch' });
    expect(notReady.json()).toMatchObject({ status: 'ok', agent: { status: 'not_ready', reason: 'lunch' } });

    const ready = await post('/api/agents/1001/ready');
    expect(ready.json()).toMatchObject({ status: 'ok', agent: { status: 'ready', reason: '' } });
    expect(api.readied).toEqual(['1001']);

    const logout = await post('/api/agents/1001/logout', { reason: 'eod' });
    expect(logout.json()).toMatchObject({ status: 'ok', agent: { status: 'logged_out', reason: 'eod' } });
    expect(await agentState('1001')).toMatchObject({ status: 'logged_out', reason: 'eod' });
  });

  it('records the API as the origin of the change', async () => {
    await post('/api/agents/1001/login', {});
    const [stored] = await api.store.readEvents('0');
    expect(stored?.event).toMatchObject({ type: 'AgentStatus', agentId: '1001', status: 'not_ready', by: 'api' });
  });

  it('takes parameters from the query string as well as the body', async () => {
    const login = await post('/api/agents/1001/login?ready=true&endpoint=PJSIP/7001');
    expect(login.statusCode).toBe(200);
    expect(login.json().agent).toMatchObject({ status: 'ready', endpoint: 'PJSIP/7001' });

    const notReady = await post('/api/agents/1001/not-ready?reason=break');
    expect(notReady.json().agent).toMatchObject({ status: 'not_ready', reason: 'break' });

    const logout = await post('/api/agents/1001/logout?reason=eod');
    expect(logout.json().agent).toMatchObject({ status: 'logged_out', reason: 'eod' });
  });

  it('accepts a JSON content type with no body when the query carries the parameters', async () => {
    await post('/api/agents/1001/login', {});
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/agents/1001/not-ready?reason=break',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().agent).toMatchObject({ status: 'not_ready', reason: 'break' });
  });

  it('refuses a parameter given in the query and the body with different values (issue 8 item 1)', async () => {
    await post('/api/agents/1001/login', {});
    const res = await post('/api/agents/1001/not-ready?reason=break', { reason: 'lunch' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'validation', message: expect.stringContaining("'reason'") });
  });
});

describe('rejected commands change nothing', () => {
  beforeEach(async () => {
    await post('/api/agents/1001/login', { ready: true });
  });

  it('not ready without a reason: 400 validation naming the field', async () => {
    const message = await expectRejected(() => post('/api/agents/1001/not-ready', {}), 400, 'validation');
    expect(message).toMatch(/reason/);
  });

  it('a reason that is not configured: 400 validation listing the codes', async () => {
    const message = await expectRejected(() => post('/api/agents/1001/not-ready', { reason: 'nap' }), 400, 'validation');
    expect(message).toMatch(/nap.*break, lunch/);
    await expectRejected(() => post('/api/agents/1001/logout?reason=nap'), 400, 'validation');
  });

  it('wrong JSON types: 400 validation with the field path', async () => {
    expect(await expectRejected(() => post('/api/agents/1001/not-ready', { reason: 5 }), 400, 'validation')).toBe('body/reason must be string');
    await post('/api/agents/1001/logout', {});
    expect(await expectRejected(() => post('/api/agents/1001/login', { ready: 'yes' }), 400, 'validation')).toBe('body/ready must be boolean');
    expect(await expectRejected(() => post('/api/agents/1001/login?ready=maybe'), 400, 'validation')).toMatch(/ready must be boolean/);
    await expectRejected(() => post('/api/agents/1001/login', [1, 2]), 400, 'validation');
  });

  it('malformed JSON: 400 validation', async () => {
    await expectRejected(
      () => api.app.inject({ method: 'POST', url: '/api/agents/1001/not-ready', headers: { 'content-type': 'application/json' }, payload: '{"reason":' }),
      400,
      'validation',
    );
  });

  it('an unknown agent: 404 agent_not_found', async () => {
    await expectRejected(() => post('/api/agents/ghost/ready'), 404, 'agent_not_found');
    await expectRejected(() => post('/api/agents/ghost/not-ready', { reason: 'break' }), 404, 'agent_not_found');
  });

  it('a command the state does not allow: 409 invalid_state', async () => {
    const message = await expectRejected(() => post('/api/agents/1001/login', {}), 409, 'invalid_state');
    expect(message).toMatch(/ready/);
    await expectRejected(() => post('/api/agents/1002/ready'), 409, 'invalid_state', '1002');
  });
});
