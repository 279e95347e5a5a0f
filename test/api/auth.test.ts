import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApiHarness, startApi } from './apiHarness.js';
import { type HttpClient, httpClient, KEYS, TEST_AUTH } from './httpClient.js';
import { openSse } from './sseClient.js';

let api: ApiHarness;
let http: HttpClient;
let base: string;
beforeEach(async () => {
  api = await startApi({ auth: { ...TEST_AUTH, corsOrigins: ['https://desk.example'], maxStreamsPerCredential: 2 } });
  base = await api.listen();
  http = httpClient(base);
});
afterEach(async () => {
  await api.close();
});

const errorBody = (code: string) => ({ status: 'error', code, message: expect.any(String) });

describe('API keys and roles', () => {
  it('refuses a request without a key with 401 and an unknown key with 401', async () => {
    expect(await http('GET', '/api/agents')).toMatchObject({ status: 401, body: errorBody('unauthorized') });
    expect(await http('GET', '/api/agents', { key: 'not-a-configured-key' })).toMatchObject({ status: 401, body: errorBody('unauthorized') });
  });

  it('accepts the key as x-api-key or Authorization: Bearer', async () => {
    expect((await http('GET', '/api/agents', { key: KEYS.supervisor })).status).toBe(200);
    expect((await http('GET', '/api/agents', { headers: { authorization: `Bearer ${KEYS.supervisor}` } })).status).toBe(200);
  });

  it('refuses a role the route does not allow with 403 and changes nothing', async () => {
    const res = await http('POST', '/api/queues', { key: KEYS.supervisor, body: { id: 'billing' } });
    expect(res).toMatchObject({ status: 403, body: errorBody('forbidden') });
    expect(await api.store.getQueue('billing')).toBeUndefined();
    expect((await http('GET', '/api/agents', { key: KEYS.agent1001 })).status).toBe(403);
  });

  it('lets an agent key act on its own agent only', async () => {
    const own = await http('POST', '/api/agents/1001/login', { key: KEYS.agent1001 });
    expect(own.status).toBe(200);
    expect(own.body.agent.status).toBe('not_ready');
    const other = await http('POST', '/api/agents/1002/login', { key: KEYS.agent1001 });
    expect(other).toMatchObject({ status: 403, body: errorBody('forbidden') });
    expect((await api.store.getAgent('1002'))?.status).toBe('logged_out');
    // The PBXIS routes name the agent in the body: same rule.
    expect((await http('POST', '/queue/pause', { key: KEYS.agent1001, body: { agent: '1002', queue: 'sales' } })).status).toBe(403);
    expect((await http('POST', '/queue/pause', { key: KEYS.agent1001, body: { agent: '1001', queue: 'sales' } })).status).toBe(200);
  });

  it('shows an agent key only its own agent\'s events (long-poll for key holders)', async () => {
    await api.store.login('1001', undefined, { by: 't' });
    await api.store.login('1002', undefined, { by: 't' });
    const mine = await http('GET', '/api/events/long-poll?after=0&timeoutMs=200', { key: KEYS.agent1001 });
    expect(mine.status).toBe(200);
    expect(mine.body.events.map((e: { agentId: string }) => e.agentId)).toEqual(['1001']);
    const all = await http('GET', '/api/events/long-poll?after=0&timeoutMs=200', { key: KEYS.supervisor });
    expect(all.body.events.map((e: { agentId: string }) => e.agentId)).toEqual(['1001', '1002']);
    expect(all.body.lastEventId).toBe(await api.store.lastEventId());
    expect(await http('GET', '/api/events/long-poll?timeoutMs=0', { key: KEYS.supervisor })).toMatchObject({ status: 400, body: errorBody('validation') });
  });

  it('records who acted in the events', async () => {
    await http('POST', '/api/agents/1001/login', { key: KEYS.supervisor });
    const events = await api.store.readEvents('0');
    expect(events.at(-1)?.event).toMatchObject({ type: 'AgentStatus', agentId: '1001', by: 'supervisor:sup' });
  });

  it('takes ssid or userId+token where the Live Queue API has them', async () => {
    expect((await http('POST', '/api/v2/liveQueue/count', { body: { ssid: KEYS.supervisor } })).status).toBe(200);
    expect((await http('POST', '/api/v2/liveQueue/count', { body: { userId: 'sup', token: KEYS.supervisor } })).status).toBe(200);
    expect((await http('POST', `/api/v2/liveQueue/count?ssid=${KEYS.supervisor}`)).status).toBe(200);
    expect((await http('POST', '/api/v2/liveQueue/count', { body: { ssid: 'wrong-key-0123456789' } })).status).toBe(401);
  });

  it('keeps the public pages public', async () => {
    expect((await http('GET', '/healthz')).status).toBe(200);
    expect((await http('GET', '/openapi.json')).status).toBe(200);
    expect((await http('GET', '/')).status).toBe(200);
  });

  it('never logs a key, ssid or ticket', async () => {
    await http('GET', '/api/agents', { key: KEYS.supervisor });
    await http('POST', `/api/v2/liveQueue/count?ssid=${KEYS.admin}`);
    const { body } = await http('POST', '/api/tickets', { key: KEYS.supervisor, body: { queues: ['sales'] } });
    await http('GET', `/api/tickets/${body.ticket}/long-poll?timeoutMs=0`);
    const logs = JSON.stringify(api.logs);
    for (const secret of [KEYS.supervisor, KEYS.admin, body.ticket]) expect(logs).not.toContain(secret);
  });
});

describe('CORS', () => {
  it('answers a preflight from an allowed origin without a key, and marks responses', async () => {
    const pre = await http('OPTIONS', '/api/agents', { headers: { origin: 'https://desk.example', 'access-control-request-method': 'GET' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://desk.example');
    expect(pre.headers.get('access-control-allow-headers')).toContain('x-api-key');
    const get = await http('GET', '/api/agents', { key: KEYS.admin, headers: { origin: 'https://desk.example' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('https://desk.example');
  });

  it('sends no CORS headers to other origins', async () => {
    const res = await http('GET', '/api/agents', { key: KEYS.admin, headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('stream cap', () => {
  it('refuses a credential more open streams than configured with 429, and frees a place when one closes', async () => {
    const headers = { 'x-api-key': KEYS.supervisor };
    const a = await openSse(`${base}/api/events`, headers);
    const b = await openSse(`${base}/api/events`, headers);
    expect([a.status, b.status]).toEqual([200, 200]);
    const third = await http('GET', '/api/events', { key: KEYS.supervisor });
    expect(third).toMatchObject({ status: 429, body: errorBody('too_many_requests') });
    // Another credential is counted apart.
    const other = await openSse(`${base}/api/events`, { 'x-api-key': KEYS.admin });
    expect(other.status).toBe(200);
    a.close();
    await expect.poll(async () => {
      const again = await openSse(`${base}/api/events`, headers);
      again.close();
      return again.status;
    }).toBe(200);
    b.close();
    other.close();
  });
});

describe('open mode', () => {
  it('serves everything as admin when no keys are configured', async () => {
    const open = await startApi();
    try {
      const res = await open.app.inject({ method: 'POST', url: '/api/queues', payload: { id: 'billing' } });
      expect(res.statusCode).toBe(201);
    } finally {
      await open.close();
    }
  });
});
