import { describe, expect, it } from 'vitest';
import { keyedApiPerTest } from './apiHarness.js';
import { KEYS } from './httpClient.js';

const ctx = keyedApiPerTest();

const sup = (method: string, path: string, body?: unknown) => ctx.http(method, path, { key: KEYS.supervisor, body });

describe('PBXIS queue routes', () => {
  it('GET /queue/status lists queues with members, or one queue', async () => {
    await ctx.api.store.login('1001', undefined, { by: 't', ready: true });
    const all = await ctx.http('GET', '/queue/status', { key: KEYS.agent1001 });
    expect(all.status).toBe(200);
    expect(all.body.queues.map((q: { queue: string }) => q.queue)).toEqual(['sales', 'support']);
    const one = await sup('GET', '/queue/status?queue=sales');
    expect(one.body.queues).toEqual([
      {
        queue: 'sales',
        name: 'Queue sales',
        waiting: 0,
        longestWaitMs: 0,
        members: [
          { agent: '1001', name: 'Agent 1001', status: 'ready', penalty: 0, paused: false, reason: '', callsTaken: 0 },
          { agent: '1002', name: 'Agent 1002', status: 'logged_out', penalty: 0, paused: false, reason: '', callsTaken: 0 },
        ],
      },
    ]);
    expect(await sup('GET', '/queue/status?queue=nope')).toMatchObject({ status: 404, body: { code: 'queue_not_found' } });
  });

  it('adds, pauses (one queue or all), unpauses and removes a member, parameters in query or body', async () => {
    expect((await sup('POST', '/queue/add?agent=2001&queue=sales&penalty=2')).status).toBe(200);
    expect((await ctx.api.store.getAgent('2001'))?.queues).toEqual(['support', 'sales']);
    expect((await sup('POST', '/queue/pause', { agent: '2001', reason: 'lunch' })).status).toBe(200);
    const paused = await sup('GET', '/queue/status');
    for (const q of paused.body.queues) expect(q.members.find((m: { agent: string }) => m.agent === '2001')).toMatchObject({ paused: true, reason: 'lunch' });
    expect((await sup('POST', '/queue/pause', { agent: '2001', queue: 'sales', paused: false })).status).toBe(200);
    const after = await sup('GET', '/queue/status?queue=sales');
    expect(after.body.queues[0].members.find((m: { agent: string }) => m.agent === '2001')).toMatchObject({ paused: false, penalty: 2 });
    expect((await sup('POST', '/queue/remove', { agent: '2001', queue: 'sales' })).status).toBe(200);
    expect((await sup('GET', '/queue/status?queue=sales')).body.queues[0].members.map((m: { agent: string }) => m.agent)).toEqual(['1001', '1002']);
  });

  it('refuses bad input with the right code, changing nothing', async () => {
    expect(await sup('POST', '/queue/add', { agent: '2001' })).toMatchObject({ status: 400, body: { code: 'validation', message: expect.stringContaining('queue') } });
    expect(await sup('POST', '/queue/add', { agent: '2001', queue: 'nope' })).toMatchObject({ status: 404, body: { code: 'queue_not_found' } });
    expect(await sup('POST', '/queue/remove', { agent: '2001', queue: 'sales' })).toMatchObject({ status: 404, body: { code: 'not_found' } });
    expect(await sup('POST', '/queue/pause', { agent: 'ghost' })).toMatchObject({ status: 404, body: { code: 'agent_not_found' } });
    expect(await sup('POST', '/queue/pause', { agent: '2001', paused: 'yes' })).toMatchObject({ status: 400, body: { code: 'validation' } });
    expect(await ctx.http('POST', '/queue/add', { key: KEYS.agent1001, body: { agent: '2001', queue: 'sales' } })).toMatchObject({ status: 403 });
    expect(await ctx.http('POST', '/queue/reset', { key: KEYS.agent1001, body: { queue: 'sales' } })).toMatchObject({ status: 403 });
    expect((await ctx.api.store.getAgent('2001'))?.queues).toEqual(['support']);
  });
});
