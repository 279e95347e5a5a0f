/**
 * PBXIS-ws queue routes (`GET /queue/status`, `POST /queue/add|remove|pause|reset`) in the
 * document's forms: query-string POSTs without body, or a JSON body; agents by extension.
 */
import { describe, expect, it } from 'vitest';
import { keyedApiPerTest } from '../../api/apiHarness.js';
import { KEYS } from '../../api/httpClient.js';

const ctx = keyedApiPerTest();
const sup = (method: string, path: string, body?: unknown) => ctx.http(method, path, { key: KEYS.supervisor, body });
const member = (status: { body: Record<string, { members: { agent: string }[] }> }, queue: string, agent: string) => status.body[queue]!.members.find((m) => m.agent === agent);

describe('PBXIS queue routes', () => {
  it('GET /queue/status answers every queue, or one, with AsteriskJava queue and member properties', async () => {
    await ctx.api.store.login('1001', undefined, { by: 't', ready: true });
    const all = await ctx.http('GET', '/queue/status', { key: KEYS.agent1001 });
    expect(all.status).toBe(200);
    expect(Object.keys(all.body)).toEqual(['sales', 'support']);
    const one = await sup('GET', '/queue/status?queue=sales');
    expect(one.body).toEqual({
      sales: {
        queue: 'sales',
        max: 0,
        strategy: expect.any(String),
        calls: 0,
        holdTime: 0,
        talkTime: 0,
        completed: 0,
        abandoned: 0,
        serviceLevel: 20,
        serviceLevelPerf: 0,
        weight: 0,
        members: [
          { queue: 'sales', location: 'PJSIP/1001', agent: '1001', memberName: 'Agent 1001', stateInterface: 'PJSIP/1001', membership: 'static', penalty: 0, callsTaken: 0, lastCall: 0, status: 1, paused: false, pausedReason: '', inCall: false },
          { queue: 'sales', location: 'PJSIP/1002', agent: '1002', memberName: 'Agent 1002', stateInterface: 'PJSIP/1002', membership: 'static', penalty: 0, callsTaken: 0, lastCall: 0, status: 5, paused: false, pausedReason: '', inCall: false },
        ],
      },
    });
    expect(await sup('GET', '/queue/status?queue=nope')).toMatchObject({ status: 404, body: { code: 'queue_not_found' } });
  });

  it('add logs the agent on (paused if asked), pause and unpause, remove, reset one queue or all', async () => {
    expect((await sup('POST', '/queue/add?queue=sales&agent=2001&memberName=Zoe&paused=true')).status).toBe(200);
    expect(await ctx.api.store.getAgent('2001')).toMatchObject({ status: 'not_ready' });
    let status = await sup('GET', '/queue/status');
    expect(member(status, 'sales', '2001')).toMatchObject({ paused: true, location: 'PJSIP/2001' });
    expect((await sup('POST', '/queue/pause', { queue: 'sales', agent: '2001', paused: false })).status).toBe(200);
    expect((await sup('POST', '/queue/pause?queue=support&agent=2001&paused=true')).status).toBe(200);
    status = await sup('GET', '/queue/status');
    expect(member(status, 'support', '2001')).toMatchObject({ paused: true });
    expect((await sup('POST', '/queue/remove?queue=sales&agent=2001')).status).toBe(200);
    expect(member(await sup('GET', '/queue/status'), 'sales', '2001')).toBeUndefined();
    // A logged-on agent added to a queue keeps its state.
    await ctx.api.store.login('1001', undefined, { by: 't', ready: true });
    expect((await sup('POST', '/queue/add?queue=support&agent=1001')).status).toBe(200);
    expect(await ctx.api.store.getAgent('1001')).toMatchObject({ status: 'ready', queues: expect.arrayContaining(['sales', 'support']) });
    expect((await sup('POST', '/queue/reset?queue=sales')).status).toBe(200);
    expect((await sup('POST', '/queue/reset')).status).toBe(200);
  });

  it('refuses bad input with the right code, changing nothing', async () => {
    expect(await sup('POST', '/queue/add', { agent: '2001' })).toMatchObject({ status: 400, body: { code: 'validation', message: expect.stringContaining('queue') } });
    expect(await sup('POST', '/queue/add', { agent: '2001', queue: 'nope' })).toMatchObject({ status: 404, body: { code: 'queue_not_found' } });
    expect(await sup('POST', '/queue/add?queue=sales&agent=ghost')).toMatchObject({ status: 404, body: { code: 'agent_not_found', message: expect.stringContaining('ghost') } });
    expect(await sup('POST', '/queue/pause', { agent: '2001', queue: 'sales', paused: 'yes' })).toMatchObject({ status: 400, body: { code: 'validation' } });
    expect(await sup('POST', '/queue/pause?queue=sales&agent=2001&paused=maybe')).toMatchObject({ status: 400, body: { code: 'validation' } });
    expect(await ctx.http('POST', '/queue/add', { key: KEYS.agent1001, body: { agent: '2001', queue: 'sales' } })).toMatchObject({ status: 403 });
    expect(await ctx.http('POST', '/queue/reset', { key: KEYS.agent1001, body: { queue: 'sales' } })).toMatchObject({ status: 403 });
    expect(await ctx.api.store.getAgent('2001')).toMatchObject({ status: 'logged_out', queues: ['support'] });
  });
});
