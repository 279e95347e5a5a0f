import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../src/domain/events.js';
import { pinClock } from '../../src/store/clock.js';
import { agentDef, by, caller, createTestStore, queueDef, type TestStore } from '../helpers/store.js';

let t: TestStore;
beforeEach(async () => {
  t = createTestStore();
  for (const q of ['sales', 'support']) await t.store.upsertQueue(queueDef(q, { ringTimeoutS: 12 }));
});
afterEach(async () => {
  expect(await t.violations()).toEqual([]);
  await t.cleanup();
});

const events = async (): Promise<AcdEvent[]> => (await t.store.readEvents('0')).map((e) => e.event);
const waitingIds = async (queue: string) => (await t.store.waitingCalls(queue)).map((c) => c.id);

async function readyAgent(id: string, queues: string[]) {
  await t.store.upsertAgent(agentDef(id, queues));
  await t.store.login(id, undefined, { ...by, ready: true });
}

describe('enqueue', () => {
  it('gives 1-based positions and a QueueCallerJoin each', async () => {
    const first = await t.store.enqueue(caller('c1', 'sales'));
    const second = await t.store.enqueue(caller('c2', 'sales', { callerNumber: '5552', callerName: 'Bob' }));
    expect(first).toEqual({ position: 1, created: true, joinSeq: expect.any(Number) });
    expect(second).toEqual({ position: 2, created: true, joinSeq: expect.any(Number) });
    // The stay's fence comes with the join: the call's stay reads the same.
    expect((await t.store.stayOf('c2'))?.joinSeq).toBe(second.joinSeq);
    expect(second.joinSeq).not.toBe(first.joinSeq);
    expect(await events()).toEqual([
      expect.objectContaining({ type: 'QueueCallerJoin', callId: 'c1', queue: 'sales', position: 1, priority: 0 }),
      expect.objectContaining({ type: 'QueueCallerJoin', callId: 'c2', position: 2, callerNumber: '5552', callerName: 'Bob' }),
    ]);
    expect(await t.store.getCall('c2')).toMatchObject({ state: 'waiting', callerChannel: 'chan-c2', agentId: '', node: 'node-1' });
    expect(await t.store.callIdByChannel('chan-c2')).toBe('c2');
  });

  it("records the caller's entry with the join when asked, refused or not, and says whether it was recorded already", async () => {
    await t.store.upsertQueue(queueDef('small', { maxLen: 1 }));
    const first = await t.store.enqueue({ ...caller('c1', 'small'), recordEntry: true });
    expect(first).toMatchObject({ created: true, entryRecordedBefore: false });
    expect(await t.store.unfinishedEntries('node-1')).toEqual(['chan-c1']);
    // A replay (the entry cut short before) finds its record.
    expect(await t.store.enqueue({ ...caller('c1', 'small'), recordEntry: true })).toEqual({ position: 1, created: false, entryRecordedBefore: true });
    // A refused caller's entry is recorded too: it is sent back to the dialplan next.
    expect(await t.store.enqueue({ ...caller('c2', 'small'), recordEntry: true })).toEqual({ position: 0, created: false, rejected: 'FULL', entryRecordedBefore: false });
    expect((await t.store.unfinishedEntries('node-1')).sort()).toEqual(['chan-c1', 'chan-c2']);
    // Not asked: nothing recorded, nothing said.
    expect(await t.store.enqueue(caller('c3', 'sales'))).not.toHaveProperty('entryRecordedBefore');
    expect(await t.store.unfinishedEntries('node-1')).not.toContain('chan-c3');
  });

  it("makes the queue's routing decision with the join when asked, as assignByQueue would", async () => {
    // Nobody ready: the join says so, with no offer.
    const alone = await t.store.enqueue({ ...caller('c1', 'sales'), routeWith: 'leg-1' });
    expect(alone.route).toEqual({ assignments: [] });
    expect((await t.store.getCall('c1'))?.state).toBe('waiting');
    await readyAgent('1001', ['sales']);
    // A replay makes no decision (the engine kicks the router then).
    expect(await t.store.enqueue({ ...caller('c1', 'sales'), routeWith: 'leg-2' })).not.toHaveProperty('route');
    // The next join offers the best waiting caller (c1, first come), not necessarily itself.
    const second = await t.store.enqueue({ ...caller('c2', 'sales'), routeWith: 'leg-3' });
    expect(second.route).toEqual({ assignments: [expect.objectContaining({ callId: 'c1', agentId: '1001', agentChannel: 'leg-3' })], waitingLeft: 1 });
    expect(await t.store.getCall('c1')).toMatchObject({ state: 'offering', agentId: '1001' });
    expect((await events()).map((e) => e.type)).toEqual(['QueueCallerJoin', 'AgentStatus', 'QueueCallerJoin', 'AgentCalled', 'AgentStatus']);
  });

  it('is idempotent by call id', async () => {
    await t.store.enqueue(caller('c1', 'sales'));
    await t.store.enqueue(caller('c2', 'sales'));
    expect(await t.store.enqueue(caller('c2', 'sales'))).toEqual({ position: 2, created: false });
    expect(await waitingIds('sales')).toEqual(['c1', 'c2']);
    expect(await events()).toHaveLength(2);
  });

  it('orders by priority band, first come first served within a band', async () => {
    await t.store.enqueue(caller('low1', 'sales'));
    await t.store.enqueue(caller('high1', 'sales', { priority: 5 }));
    await t.store.enqueue(caller('low2', 'sales'));
    expect(await t.store.enqueue(caller('high2', 'sales', { priority: 5 }))).toMatchObject({ position: 2 });
    await t.store.enqueue(caller('top', 'sales', { priority: 5000 }));
    expect(await waitingIds('sales')).toEqual(['top', 'high1', 'high2', 'low1', 'low2']);
    expect((await t.store.getCall('top'))?.priority).toBe(999);
  });

  it('refuses an unknown queue', async () => {
    await expect(t.store.enqueue(caller('c1', 'nope'))).rejects.toMatchObject({ code: 'queue_not_found', message: 'queue nope not found' });
    expect(await t.store.getCall('c1')).toBeUndefined();
  });
});

describe('assign by queue', () => {
  it('returns null without a caller or without an idle agent', async () => {
    expect(await t.store.assign({ queue: 'sales' }, 'a1')).toBeNull();
    await t.store.enqueue(caller('c1', 'sales'));
    expect(await t.store.assign({ queue: 'sales' }, 'a1')).toBeNull();
    await t.store.upsertAgent(agentDef('1001', ['sales']));
    await t.store.login('1001', undefined, by);
    expect(await t.store.assign({ queue: 'sales' }, 'a1')).toBeNull();
    expect((await t.store.getCall('c1'))?.state).toBe('waiting');
  });

  it('offers the head caller to the longest-idle agent and reserves it in all its queues', async () => {
    const clock = await pinClock(t.redis, t.tenant);
    await readyAgent('1001', ['sales', 'support']);
    await clock.advance(5);
    await readyAgent('1002', ['sales']);
    await t.store.enqueue(caller('c1', 'sales', { callerNumber: '5551', callerName: 'Ann' }));
    await t.store.enqueue(caller('c2', 'sales'));
    const before = (await events()).length;

    const assignment = await t.store.assign({ queue: 'sales' }, 'agent-leg-1');
    expect(assignment).toEqual({
      callId: 'c1',
      queue: 'sales',
      callerChannel: 'chan-c1',
      callerNumber: '5551',
      callerName: 'Ann',
      agentId: '1001',
      endpoint: 'PJSIP/1001',
      agentChannel: 'agent-leg-1',
      ringTimeoutS: 12,
      ringStepS: 0,
      round: 1,
    });
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'reserved', callId: 'c1', version: 2 });
    expect(await t.redis.zrange(t.store.keys.queueIdle('support'), '0', '-1')).toEqual([]);
    expect(await t.store.getCall('c1')).toMatchObject({ state: 'offering', agentId: '1001', agentChannel: 'agent-leg-1' });
    expect(await waitingIds('sales')).toEqual(['c2']);
    expect(await t.store.callIdByChannel('agent-leg-1')).toBe('c1');
    expect((await events()).slice(before)).toEqual([
      expect.objectContaining({ type: 'AgentCalled', callId: 'c1', queue: 'sales', agentId: '1001', endpoint: 'PJSIP/1001', agentChannel: 'agent-leg-1' }),
      expect.objectContaining({ type: 'AgentStatus', agentId: '1001', status: 'reserved', previous: 'ready', callId: 'c1', by: 'system' }),
    ]);

    expect(await t.store.assign({ queue: 'sales' }, 'agent-leg-2')).toMatchObject({ callId: 'c2', agentId: '1002' });
    expect(await t.store.assign({ queue: 'sales' }, 'agent-leg-3')).toBeNull();
  });
});

describe('assign by agent', () => {
  it('takes the best caller across the agent queues: priority first, then arrival', async () => {
    await t.store.upsertAgent(agentDef('1001', ['sales', 'support']));
    await t.store.login('1001', undefined, by);
    expect(await t.store.assign({ agentId: '1001' }, 'leg')).toBeNull(); // not ready
    await t.store.enqueue(caller('s1', 'sales'));
    await t.store.enqueue(caller('p1', 'support'));
    await t.store.enqueue(caller('p2', 'support', { priority: 3 }));
    await t.store.setReady('1001', by);

    expect(await t.store.assign({ agentId: '1001' }, 'leg-1')).toMatchObject({ callId: 'p2', queue: 'support' });
    await t.store.endCall('p2', 'caller');
    expect(await t.store.assign({ agentId: '1001' }, 'leg-2')).toMatchObject({ callId: 's1', queue: 'sales' });
    await t.store.endCall('s1', 'caller');
    expect(await t.store.assign({ agentId: '1001' }, 'leg-3')).toMatchObject({ callId: 'p1' });
    await t.store.endCall('p1', 'caller');
    expect(await t.store.assign({ agentId: '1001' }, 'leg-4')).toBeNull();
    expect(await t.store.assign({ agentId: 'ghost' }, 'leg-5')).toBeNull();
  });
});

describe('races', () => {
  it('gives one agent to exactly one of two callers assigned concurrently from two connections', async () => {
    const other = t.twin();
    await readyAgent('1001', ['sales']);
    await t.store.enqueue(caller('c1', 'sales'));
    await other.enqueue(caller('c2', 'sales'));

    const results = await Promise.all([t.store.assign({ queue: 'sales' }, 'leg-a'), other.assign({ queue: 'sales' }, 'leg-b'), other.assign({ agentId: '1001' }, 'leg-c')]);
    const won = results.filter((r) => r !== null);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ callId: 'c1', agentId: '1001' });
    expect(await waitingIds('sales')).toEqual(['c2']);
  });

  it('offers an agent serving two queues with callers in both exactly one call', async () => {
    const other = t.twin();
    await readyAgent('1001', ['sales', 'support']);
    await t.store.enqueue(caller('s1', 'sales'));
    await t.store.enqueue(caller('p1', 'support'));

    const results = await Promise.all([
      t.store.assign({ queue: 'support' }, 'leg-a'),
      other.assign({ queue: 'sales' }, 'leg-b'),
      t.store.assign({ agentId: '1001' }, 'leg-c'),
      other.assign({ agentId: '1001' }, 'leg-d'),
    ]);
    const won = results.filter((r) => r !== null);
    expect(won).toHaveLength(1);
    const agent = await t.store.getAgent('1001');
    expect(agent?.callId).toBe(won[0]?.callId);
    const stillWaiting = [...(await waitingIds('sales')), ...(await waitingIds('support'))];
    expect(stillWaiting).toHaveLength(1);
    expect(stillWaiting).not.toContain(won[0]?.callId);
  });
});
