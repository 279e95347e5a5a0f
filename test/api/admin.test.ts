import { describe, expect, it } from 'vitest';
import { caller } from '../helpers/store.js';
import { keyedApiPerTest } from './apiHarness.js';
import { KEYS } from './httpClient.js';

const ctx = keyedApiPerTest();

const admin = (method: string, path: string, body?: unknown) => ctx.http(method, path, { key: KEYS.admin, body });
const sup = (method: string, path: string, body?: unknown) => ctx.http(method, path, { key: KEYS.supervisor, body });
const errorBody = (code: string, message: unknown = expect.any(String)) => ({ status: 'error', code, message });

describe('queues', () => {
  it('creates a queue with the configuration defaults, reads, changes and lists it', async () => {
    const created = await admin('POST', '/api/queues', { id: 'billing', name: 'Billing', serviceLevelS: 30 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'billing', name: 'Billing', strategy: 'longest-idle', ringTimeoutS: 15, wrapupS: 5, serviceLevelS: 30 });
    expect((await sup('GET', '/api/queues/billing')).body).toMatchObject({ id: 'billing', serviceLevelS: 30 });

    const changed = await admin('PATCH', '/api/queues/billing?ringTimeoutS=20');
    expect(changed.body).toMatchObject({ name: 'Billing', ringTimeoutS: 20, serviceLevelS: 30 });
    expect(await ctx.api.store.getQueue('billing')).toMatchObject({ ringTimeoutS: 20 });
    const list = await sup('GET', '/api/queues');
    expect(list.body.map((q: { id: string }) => q.id)).toEqual(['billing', 'sales', 'support']);
  });

  it('refuses bad definitions naming the field, and duplicates, changing nothing', async () => {
    expect(await admin('POST', '/api/queues', { id: 'x', ringTimeoutS: 0 })).toMatchObject({ status: 400, body: errorBody('validation', expect.stringContaining('ringTimeoutS')) });
    expect(await admin('POST', '/api/queues', { id: 'bad id' })).toMatchObject({ status: 400, body: errorBody('validation', expect.stringContaining('id')) });
    expect(await admin('POST', '/api/queues', { id: 'y', colour: 'blue' })).toMatchObject({ status: 400, body: errorBody('validation') });
    expect(await admin('POST', '/api/queues', { id: 'sales' })).toMatchObject({ status: 409, body: errorBody('conflict') });
    expect(await admin('PATCH', '/api/queues/sales', { wrapupS: -1 })).toMatchObject({ status: 400, body: errorBody('validation', expect.stringContaining('wrapupS')) });
    expect(await admin('PATCH', '/api/queues/sales', { id: 'other' })).toMatchObject({ status: 400, body: errorBody('validation') });
    expect(await admin('PATCH', '/api/queues/nope', { wrapupS: 1 })).toMatchObject({ status: 404, body: errorBody('queue_not_found') });
    expect((await ctx.api.store.listQueues()).map((q) => q.id)).toEqual(['sales', 'support']);
    expect((await ctx.api.store.getQueue('sales'))?.wrapupS).toBe(0);
  });

  it('deletes a queue: members stop serving it; refused while it has a call', async () => {
    await ctx.api.store.enqueue(caller('c1', 'support'));
    expect(await admin('DELETE', '/api/queues/support')).toMatchObject({ status: 409, body: errorBody('conflict', expect.stringContaining('1 call')) });
    expect(await ctx.api.store.getQueue('support')).toBeDefined();
    await ctx.api.store.endCall('c1', 'caller');

    expect((await admin('DELETE', '/api/queues/support')).status).toBe(200);
    expect(await ctx.api.store.getQueue('support')).toBeUndefined();
    expect((await ctx.api.store.getAgent('1002'))?.queues).toEqual(['sales']);
    expect((await ctx.api.store.getAgent('2001'))?.queues).toEqual([]);
    expect(await admin('DELETE', '/api/queues/support')).toMatchObject({ status: 404, body: errorBody('queue_not_found') });
  });
});

describe('members', () => {
  it('adds a member with a penalty, changes the penalty and removes it; routing follows at once', async () => {
    await ctx.api.store.login('2001', undefined, { by: 't', ready: true });
    expect((await sup('POST', '/api/queues/sales/members', { agentId: '2001', penalty: 3 })).status).toBe(201);
    expect((await sup('GET', '/api/queues/sales/members')).body).toContainEqual({ agentId: '2001', penalty: 3, paused: false, reason: '', pausedSince: 0 });
    // A ready new member is offered the queue's calls at once.
    await ctx.api.store.enqueue(caller('c1', 'sales'));
    expect((await ctx.api.store.assign({ queue: 'sales' }, 'leg-1'))?.agentId).toBe('2001');
    await ctx.api.store.endCall('c1', 'caller');

    expect((await sup('PATCH', '/api/queues/sales/members/2001?penalty=7')).status).toBe(200);
    expect((await admin('GET', '/api/queues/sales/members')).body.find((m: { agentId: string }) => m.agentId === '2001').penalty).toBe(7);
    expect((await sup('DELETE', '/api/queues/sales/members/2001')).status).toBe(200);
    expect((await ctx.api.store.getAgent('2001'))?.queues).toEqual(['support']);
    const events = (await ctx.api.store.readEvents('0')).map((e) => e.event.type);
    expect(events).toEqual(expect.arrayContaining(['QueueMemberAdded', 'QueueMemberPenalty', 'QueueMemberRemoved']));
  });

  it('refuses bad member commands with the right code, changing nothing', async () => {
    expect(await sup('POST', '/api/queues/sales/members', { agentId: 'ghost' })).toMatchObject({ status: 404, body: errorBody('agent_not_found') });
    expect(await sup('POST', '/api/queues/nope/members', { agentId: '2001' })).toMatchObject({ status: 404, body: errorBody('queue_not_found') });
    expect(await sup('POST', '/api/queues/sales/members', { agentId: '2001', penalty: -1 })).toMatchObject({ status: 400, body: errorBody('validation') });
    expect(await sup('POST', '/api/queues/sales/members', {})).toMatchObject({ status: 400, body: errorBody('validation', expect.stringContaining('agentId')) });
    expect(await sup('PATCH', '/api/queues/sales/members/2001', { penalty: 1 })).toMatchObject({ status: 404, body: errorBody('not_found', expect.stringContaining('not a member')) });
    expect(await sup('DELETE', '/api/queues/sales/members/2001')).toMatchObject({ status: 404, body: errorBody('not_found') });
    expect((await ctx.api.store.getAgent('2001'))?.queues).toEqual(['support']);
  });

  it('pauses a member in one queue only, with a reason: it is offered none of that queue\'s calls until unpaused', async () => {
    await ctx.api.store.login('1002', undefined, { by: 't', ready: true });
    const paused = await sup('POST', '/api/queues/sales/members/1002/pause', { reason: 'coaching' });
    expect(paused.body).toEqual({ status: 'ok', changed: true });
    expect((await sup('GET', '/api/queues/sales/members')).body).toContainEqual({ agentId: '1002', penalty: 0, paused: true, reason: 'coaching', pausedSince: expect.any(Number) });

    await ctx.api.store.enqueue(caller('c1', 'sales'));
    expect(await ctx.api.store.assign({ queue: 'sales' }, 'leg-1')).toBeNull();
    // Its other queue still routes to it.
    await ctx.api.store.enqueue(caller('c2', 'support'));
    expect((await ctx.api.store.assign({ queue: 'support' }, 'leg-2'))?.agentId).toBe('1002');
    await ctx.api.store.endCall('c2', 'caller');
    // A status change does not bring it back into the paused queue.
    await ctx.api.store.setNotReady('1002', 'break', { by: 't' });
    await ctx.api.store.setReady('1002', { by: 't' });
    expect(await ctx.api.store.assign({ queue: 'sales' }, 'leg-3')).toBeNull();

    expect((await sup('POST', '/api/queues/sales/members/1002/unpause')).body).toEqual({ status: 'ok', changed: true });
    expect((await sup('POST', '/api/queues/sales/members/1002/unpause')).body).toEqual({ status: 'ok', changed: false });
    expect((await ctx.api.store.assign({ queue: 'sales' }, 'leg-4'))?.agentId).toBe('1002');
    await ctx.api.store.endCall('c1', 'caller');
    expect((await ctx.api.store.readEvents('0')).filter((e) => e.event.type === 'QueueMemberPause').map((e) => e.event)).toEqual([
      expect.objectContaining({ queue: 'sales', agentId: '1002', paused: true, reason: 'coaching' }),
      expect.objectContaining({ queue: 'sales', agentId: '1002', paused: false }),
    ]);
  });

  it('keeps a pause across a re-applied definition (configuration at start-up)', async () => {
    await ctx.api.store.login('1002', undefined, { by: 't', ready: true });
    await sup('POST', '/api/queues/sales/members/1002/pause', { reason: 'coaching' });
    // What applyConfig does at start-up: the configured memberships, the paused queue included.
    await ctx.api.store.upsertAgent({ id: '1002', name: 'Agent 1002', endpoint: 'PJSIP/1002', queues: [{ queue: 'sales', penalty: 1 }, { queue: 'support', penalty: 0 }] });
    expect(await ctx.api.services.admin.restorePauses()).toBe(1);
    expect((await sup('GET', '/api/queues/sales/members')).body).toContainEqual({ agentId: '1002', penalty: 1, paused: true, reason: 'coaching', pausedSince: expect.any(Number) });
    await ctx.api.store.enqueue(caller('c1', 'sales'));
    expect(await ctx.api.store.assign({ queue: 'sales' }, 'leg-1')).toBeNull();
    await ctx.api.store.endCall('c1', 'caller');
    expect(await ctx.api.services.admin.restorePauses()).toBe(0);
  });

  it('refuses to pause a non-member', async () => {
    expect(await sup('POST', '/api/queues/sales/members/2001/pause')).toMatchObject({ status: 404, body: errorBody('not_found') });
  });
});

describe('agents', () => {
  it('creates, changes and deletes an agent; a paused membership stays paused across a change', async () => {
    const created = await admin('POST', '/api/agents', { id: '3001', name: 'Eve', endpoint: 'PJSIP/3001', queues: ['sales', { queue: 'support', penalty: 2 }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: '3001', name: 'Eve', status: 'logged_out', queues: ['sales', 'support'] });
    await sup('POST', '/api/queues/sales/members/3001/pause', { reason: 'x' });

    const changed = await admin('PATCH', '/api/agents/3001', { name: 'Eve B', queues: [{ queue: 'sales', penalty: 4 }, 'support'] });
    expect(changed.body).toMatchObject({ name: 'Eve B', queues: ['support'] });
    expect((await sup('GET', '/api/queues/sales/members')).body).toContainEqual(expect.objectContaining({ agentId: '3001', paused: true, penalty: 4 }));

    expect((await admin('DELETE', '/api/agents/3001')).status).toBe(200);
    expect(await ctx.api.store.getAgent('3001')).toBeUndefined();
    expect((await sup('GET', '/api/queues/sales/members')).body.map((m: { agentId: string }) => m.agentId)).not.toContain('3001');
  });

  it('keeps manual answer across a change that does not mention it', async () => {
    expect((await admin('POST', '/api/agents', { id: '3002', endpoint: 'PJSIP/3002', manualAnswer: true })).status).toBe(201);
    expect(await ctx.api.store.answersManually('3002')).toBe(true);
    expect((await admin('PATCH', '/api/agents/3002', { name: 'Manual' })).status).toBe(200);
    expect(await ctx.api.store.answersManually('3002')).toBe(true);
    expect((await admin('PATCH', '/api/agents/3002', { manualAnswer: false })).status).toBe(200);
    expect(await ctx.api.store.answersManually('3002')).toBe(false);
  });

  it('refuses bad agent definitions and deleting a logged-in agent, changing nothing', async () => {
    expect(await admin('POST', '/api/agents', { id: '3001', queues: ['nope'] })).toMatchObject({ status: 400, body: errorBody('validation', expect.stringContaining('queues[0]')) });
    expect(await admin('POST', '/api/agents', { id: '1001' })).toMatchObject({ status: 409, body: errorBody('conflict') });
    expect(await admin('PATCH', '/api/agents/ghost', { name: 'x' })).toMatchObject({ status: 404, body: errorBody('agent_not_found') });
    await ctx.api.store.login('1001', undefined, { by: 't' });
    expect(await admin('DELETE', '/api/agents/1001')).toMatchObject({ status: 409, body: errorBody('invalid_state', expect.stringContaining('log it out')) });
    expect(await ctx.api.store.getAgent('1001')).toMatchObject({ status: 'not_ready' });
    expect(await ctx.api.store.getAgent('3001')).toBeUndefined();
  });

  it('refuses to end wrap-up of an agent not in wrap-up, or of another agent (agent key)', async () => {
    expect(await ctx.http('POST', '/api/agents/1001/end-wrapup', { key: KEYS.agent1001 })).toMatchObject({ status: 409, body: errorBody('invalid_state', expect.stringContaining('after_call_work')) });
    expect(await ctx.http('POST', '/api/agents/1002/end-wrapup', { key: KEYS.agent1001 })).toMatchObject({ status: 403, body: errorBody('forbidden') });
    expect(await sup('POST', '/api/agents/ghost/end-wrapup')).toMatchObject({ status: 404, body: errorBody('agent_not_found') });
  });
});
