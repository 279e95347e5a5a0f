import { afterEach, describe, expect, it } from 'vitest';
import type { RedisStore } from '../../src/store/redisStore.js';
import { type ApiHarness, startApi } from './apiHarness.js';

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('site routes', () => {
  it('answers /healthz', async () => {
    api = await startApi();
    const res = await api.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('serves the status page as HTML', async () => {
    api = await startApi();
    const res = await api.app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain("new EventSource('/api/events')");
  });

  it('serves an OpenAPI document listing every route, with command parameters documented in body and query', async () => {
    api = await startApi();
    const res = await api.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/agentpage',
      '/api/agents',
      '/api/agents/{agentId}',
      '/api/agents/{agentId}/end-wrapup',
      '/api/agents/{agentId}/login',
      '/api/agents/{agentId}/logout',
      '/api/agents/{agentId}/not-ready',
      '/api/agents/{agentId}/ready',
      '/api/calls',
      '/api/calls/{callId}/hangup',
      '/api/calls/{callId}/priority',
      '/api/calls/{callId}/withdraw',
      '/api/directory',
      '/api/events',
      '/api/events/long-poll',
      '/api/queues',
      '/api/queues/{queueId}',
      '/api/queues/{queueId}/calls',
      '/api/queues/{queueId}/members',
      '/api/queues/{queueId}/members/{agentId}',
      '/api/queues/{queueId}/members/{agentId}/pause',
      '/api/queues/{queueId}/members/{agentId}/unpause',
      '/api/queues/{queueId}/reset-stats',
      '/api/reasons',
      '/api/stats/count',
      '/api/tickets',
      '/api/tickets/{ticket}/long-poll',
      '/api/tickets/{ticket}/sse',
      '/api/v2/liveQueue/count',
      '/api/wallboard',
      '/client/{tech}/{agents}/{queues}',
      '/deepcall/api/v2/liveQueue/count',
      '/healthz',
      '/metrics',
      '/queue/add',
      '/queue/pause',
      '/queue/remove',
      '/queue/reset',
      '/queue/status',
      '/stop',
      '/ticket',
      '/wallboard/{tech}/{queues}',
      '/{ticket}/long-poll',
      '/{ticket}/sse',
    ]);
    // Every documented operation says what it answers.
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses?: object }>>)) {
      for (const [method, op] of Object.entries(ops)) expect(op.responses, `${method} ${path}`).toBeDefined();
    }
    const notReady = doc.paths['/api/agents/{agentId}/not-ready'].post;
    expect(notReady.requestBody.content['application/json'].schema.required).toEqual(['reason']);
    expect(notReady.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`).sort()).toEqual(['path:agentId', 'query:reason']);
    expect(notReady.responses['200']).toBeDefined();
    expect(doc.paths['/api/events'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['queue', 'agent', 'lastEventId', 'last-event-id']),
    );
  });
});

describe('error mapping', () => {
  it('answers an unknown route with 404 not_found', async () => {
    api = await startApi();
    const res = await api.app.inject({ url: '/api/nothing-here?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ status: 'error', code: 'not_found', message: 'no route for GET /api/nothing-here' });
  });

  it('hides unexpected failures behind 500 internal and logs them', async () => {
    const failing = (store: RedisStore): RedisStore => ({ ...store, listAgents: () => Promise.reject(new Error('secret detail')) });
    api = await startApi({ wrapStore: failing });
    const res = await api.app.inject({ url: '/api/agents' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ status: 'error', code: 'internal', message: 'internal error' });
    const logged = api.logs.find((l) => l.msg === 'request failed');
    expect(logged).toMatchObject({ level: 50, err: { message: 'secret detail' } });
  });
});

describe('request logging', () => {
  it('never writes credentials from headers or the query string', async () => {
    api = await startApi();
    await api.app.inject({
      url: '/api/agents?token=tok-SECRET&apiKey=key-SECRET&queue=sales',
      headers: { authorization: 'Bearer auth-SECRET', 'x-api-key': 'hdr-SECRET' },
    });
    const incoming = api.logs.find((l) => l.msg === 'incoming request') as { req: { url: string; headers: Record<string, string> } };
    expect(incoming.req.url).toBe('/api/agents?token=[redacted]&apiKey=[redacted]&queue=sales');
    expect(incoming.req.headers.authorization).toBe('[redacted]');
    expect(incoming.req.headers['x-api-key']).toBe('[redacted]');
    expect(JSON.stringify(api.logs)).not.toContain('SECRET');
  });
});
