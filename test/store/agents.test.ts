import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AcdError } from '../../src/domain/errors.js';
import type { AcdEvent } from '../../src/domain/events.js';
import { agentDef, by, createTestStore, queueDef, type TestStore } from '../helpers/store.js';

let t: TestStore;
beforeEach(async () => {
  t = createTestStore();
  await t.store.upsertQueue(queueDef('sales'));
  await t.store.upsertQueue(queueDef('support'));
  await t.store.upsertAgent(agentDef('1001', ['sales', 'support']));
});
afterEach(async () => {
  expect(await t.violations()).toEqual([]);
  await t.cleanup();
});

const events = async (): Promise<AcdEvent[]> => (await t.store.readEvents('0')).map((e) => e.event);
const idleIn = (queue: string) => t.redis.zrange(t.store.keys.queueIdle(queue), '0', '-1');

async function expectAcdError(p: Promise<unknown>, code: string, message: unknown) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AcdError);
  expect(err).toMatchObject({ code, message });
}

describe('definitions', () => {
  it('keeps queues and lists them by id', async () => {
    await t.store.upsertQueue(queueDef('sales', { ringTimeoutS: 20, wrapupS: 5, musicClass: 'jazz' }));
    expect(await t.store.getQueue('sales')).toEqual(queueDef('sales', { ringTimeoutS: 20, wrapupS: 5, musicClass: 'jazz' }));
    expect((await t.store.listQueues()).map((q) => q.id)).toEqual(['sales', 'support']);
    expect(await t.store.getQueue('nope')).toBeUndefined();
  });

  it('creates agents logged out and lists memberships by penalty', async () => {
    await t.store.upsertAgent(agentDef('1002', [], { queues: [{ queue: 'support', penalty: 2 }, { queue: 'sales', penalty: 1 }] }));
    expect(await t.store.getAgent('1002')).toMatchObject({
      id: '1002',
      name: 'Agent 1002',
      status: 'logged_out',
      endpoint: '',
      callId: '',
      version: 0,
      queues: ['sales', 'support'],
      callsTaken: 0,
    });
    expect((await t.store.listAgents()).map((a) => a.id)).toEqual(['1001', '1002']);
    expect(await t.store.getAgent('nope')).toBeUndefined();
  });

  it('moves a ready agent between idle sets at once when memberships change', async () => {
    await t.store.upsertQueue(queueDef('vip'));
    const agent = await t.store.login('1001', undefined, { ...by, ready: true });
    const idleSince = await t.redis.zscore(t.store.keys.queueIdle('sales'), '1001');

    await t.store.upsertAgent(agentDef('1001', ['support', 'vip']));
    expect(await idleIn('sales')).toEqual([]);
    expect(await t.redis.hexists(t.store.keys.queueMembers('sales'), '1001')).toBe(0);
    expect(await idleIn('vip')).toEqual(['1001']);
    // A new queue does not make the agent look freshly idle: it keeps its idle-since.
    expect(await t.redis.zscore(t.store.keys.queueIdle('vip'), '1001')).toBe(idleSince);
    expect((await t.store.getAgent('1001'))?.status).toBe(agent.status);
  });

  it('does not put a not-ready agent in the idle set of a new queue', async () => {
    await t.store.login('1001', undefined, by);
    await t.store.upsertAgent(agentDef('1001', ['sales', 'support', 'vip']));
    expect(await idleIn('vip')).toEqual([]);
  });
});

describe('agent commands', () => {
  it('logs in not ready with the default endpoint and records who asked', async () => {
    const agent = await t.store.login('1001', undefined, { by: 'supervisor:7' });
    expect(agent).toMatchObject({ status: 'not_ready', endpoint: 'PJSIP/1001', version: 1, queues: ['sales', 'support'] });
    expect(await idleIn('sales')).toEqual([]);
    const [event] = await events();
    expect(event).toMatchObject({ type: 'AgentStatus', agentId: '1001', status: 'not_ready', previous: 'logged_out', reason: '', by: 'supervisor:7' });
    expect(Math.abs(event.ts - Date.now())).toBeLessThan(5_000);
  });

  it('logs in ready into the idle set of every queue, with the endpoint given', async () => {
    const agent = await t.store.login('1001', 'Local/1001@agents', { ...by, ready: true });
    expect(agent).toMatchObject({ status: 'ready', endpoint: 'Local/1001@agents' });
    expect(await idleIn('sales')).toEqual(['1001']);
    expect(await idleIn('support')).toEqual(['1001']);
  });

  it('refuses a second login and changes nothing', async () => {
    const before = await t.store.login('1001', undefined, by);
    await expectAcdError(t.store.login('1001', undefined, by), 'invalid_state', 'agent 1001 is not_ready; login needs logged_out');
    expect(await t.store.getAgent('1001')).toEqual(before);
    expect(await events()).toHaveLength(1);
  });

  it('refuses commands for unknown agents with agent_not_found', async () => {
    await expectAcdError(t.store.setReady('9999', by), 'agent_not_found', 'agent 9999 not found');
    await expectAcdError(t.store.login('9999', undefined, by), 'agent_not_found', 'agent 9999 not found');
    expect(await t.redis.exists(t.store.keys.agent('9999'))).toBe(0);
  });

  it('refuses login without any endpoint', async () => {
    await t.store.upsertAgent(agentDef('1002', ['sales'], { endpoint: '' }));
    await expectAcdError(t.store.login('1002', undefined, by), 'validation', expect.stringContaining('no endpoint'));
    expect((await t.store.getAgent('1002'))?.status).toBe('logged_out');
  });

  it('refuses ready, not ready and logout while logged out', async () => {
    const message = (cmd: string) => `agent 1001 is logged_out; ${cmd} needs ready, not_ready or after_call_work`;
    await expectAcdError(t.store.setReady('1001', by), 'invalid_state', message('ready'));
    await expectAcdError(t.store.setNotReady('1001', 'lunch', by), 'invalid_state', message('not ready'));
    await expectAcdError(t.store.logout('1001', 'eod', by), 'invalid_state', message('logout'));
    expect(await events()).toEqual([]);
  });

  it('goes ready, not ready with a reason, and logs out, keeping idle sets in step', async () => {
    await t.store.login('1001', undefined, by);
    expect((await t.store.setReady('1001', by)).status).toBe('ready');
    expect(await idleIn('support')).toEqual(['1001']);

    const paused = await t.store.setNotReady('1001', 'lunch', by);
    expect(paused).toMatchObject({ status: 'not_ready', reason: 'lunch' });
    expect(await idleIn('support')).toEqual([]);

    const out = await t.store.logout('1001', 'end_of_shift', by);
    expect(out).toMatchObject({ status: 'logged_out', reason: 'end_of_shift', endpoint: '' });
    expect((await events()).map((e) => (e.type === 'AgentStatus' ? `${e.previous}>${e.status}` : e.type))).toEqual([
      'logged_out>not_ready',
      'not_ready>ready',
      'ready>not_ready',
      'not_ready>logged_out',
    ]);
  });

  it('treats asking for the current status and reason as a no-op', async () => {
    await t.store.login('1001', undefined, { ...by, ready: true });
    const idleSince = await t.redis.zscore(t.store.keys.queueIdle('sales'), '1001');
    const again = await t.store.setReady('1001', by);
    expect(again.version).toBe(1);
    expect(await t.redis.zscore(t.store.keys.queueIdle('sales'), '1001')).toBe(idleSince);
    await t.store.setNotReady('1001', 'lunch', by);
    await t.store.setNotReady('1001', 'lunch', by);
    const other = await t.store.setNotReady('1001', 'meeting', by);
    expect(other).toMatchObject({ reason: 'meeting', version: 3 });
    expect(await events()).toHaveLength(3);
  });
});

describe('endWrapup', () => {
  it('acts only on the version it was scheduled with', async () => {
    await t.store.login('1001', undefined, by);
    // Put the agent in after-call work the way endCall does, at a known version.
    await t.redis.hset(t.store.keys.agent('1001'), 'status', 'after_call_work', 'version', '7', 'call', 'c1');
    for (const q of ['sales', 'support']) await t.redis.hset(t.store.keys.queueCounts(q), 'not_ready', 0, 'after_call_work', 1);

    expect(await t.store.endWrapup('1001', 6)).toBe(false);
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'after_call_work', version: 7 });

    expect(await t.store.endWrapup('1001', 7)).toBe(true);
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'ready', version: 8, callId: '' });
    expect(await idleIn('sales')).toEqual(['1001']);

    // The same timer delivered twice does nothing the second time.
    expect(await t.store.endWrapup('1001', 7)).toBe(false);
    expect(await t.store.endWrapup('1001', 8)).toBe(false);
    expect((await t.store.getAgent('1001'))?.version).toBe(8);
  });
});
