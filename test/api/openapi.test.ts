import { afterEach, describe, expect, it } from 'vitest';
import { operationIdOf } from '../../src/api/openapi.js';
import { type ApiHarness, startApi } from './apiHarness.js';

let api: ApiHarness | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

type Op = { operationId?: string; security?: unknown; responses: Record<string, unknown> };

describe('OpenAPI document and its UI', () => {
  it('names every operation uniquely and documents the key schemes and the error answers', async () => {
    api = await startApi();
    const doc = (await api.app.inject({ url: '/openapi.json' })).json();
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
    expect(doc.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
    const ids: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Op>>)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z]+[A-Za-z0-9]*$/);
        ids.push(op.operationId!);
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401', '403', '503']));
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/queues/{queueId}/members'].post.operationId).toBe('postApiQueuesQueueIdMembers');
  });

  it('serves the browsable UI at /docs without a key, and the API still wants one', async () => {
    api = await startApi({ auth: { apiKeys: [{ name: 'ops', key: 'k-ops-123456', role: 'admin' }] } });
    const page = await api.app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger');
    expect((await api.app.inject({ url: '/api/queues' })).statusCode).toBe(401);
  });

  it('derives operation ids from method and path', () => {
    expect(operationIdOf('GET', '/{ticket}/long-poll')).toBe('getTicketLongPoll');
    expect(operationIdOf('post', '/api/v2/liveQueue/count')).toBe('postApiV2LiveQueueCount');
  });
});
