import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../src/domain/events.js';
import { pinClock } from '../../src/store/clock.js';
import { agentDef, by, caller, createTestStore, queueDef, type TestStore } from '../helpers/store.js';

let t: TestStore;
beforeEach(async () => {
  t = createTestStore();
  await t.store.upsertQueue(queueDef('sales'));
  await t.store.upsertQueue(queueDef('support', { wrapupS: 30 }));
  await t.store.upsertAgent(agentDef('1001', ['sales', 'support']));
  await t.store.login('1001', undefined, { ...by, ready: true });
});
afterEach(async () => {
  expect(await t.violations()).toEqual([]);
  await t.cleanup();
});

let mark = 0;
/** Events appended since the previous call (or since the test started). */
async function newEvents(): Promise<AcdEvent[]> {
  const all = await t.store.readEvents('0', { count: 10_000 });
  const fresh = all.slice(mark).map((e) => e.event);
  mark = all.length;
  return fresh;
}
beforeEach(() => {
  mark = 0;
});

/** c1 joins `queue` and is offered to agent 1001 on channel 'leg-1'. */
async function offered(queue = 'sales') {
  await t.store.enqueue(caller('c1', queue));
  const assignment = await t.store.assign({ queue }, 'leg-1');
  expect(assignment?.agentId).toBe('1001');
  await newEvents();
}

async function connected(queue = 'sales') {
  await offered(queue);
  expect(await t.store.connect('c1', 'leg-1', 'bridge-1')).toBe(true);
  await newEvents();
}

describe('markRinging', () => {
  it('moves the reserved agent to ringing, fenced by the agent channel, replay harmless', async () => {
    await offered();
    expect(await t.store.markRinging('c1', 'other-leg')).toBe(false);
    expect(await t.store.markRinging('c1', 'leg-1')).toBe(true);
    expect(await t.store.markRinging('c1', 'leg-1')).toBe(true);
    expect((await t.store.getAgent('1001'))?.status).toBe('ringing');
    expect(await newEvents()).toEqual([expect.objectContaining({ type: 'AgentStatus', status: 'ringing', previous: 'reserved', callId: 'c1' })]);
  });
});

describe('offerFailed', () => {
  it('puts the caller back at its old place and the agent on RONA after no answer', async () => {
    await offered();
    await t.store.enqueue(caller('c2', 'sales'));
    await t.store.enqueue(caller('c3', 'sales'));
    await newEvents();
    await t.store.markRinging('c1', 'leg-1');

    expect(await t.store.offerFailed('c1', 'leg-1', 'noanswer')).toEqual({ ok: true, agentId: '1001', backoffMs: 0, offersLeft: 0 });
    expect((await t.store.waitingCalls('sales')).map((c) => c.id)).toEqual(['c1', 'c2', 'c3']);
    expect(await t.store.getCall('c1')).toMatchObject({ state: 'waiting', agentId: '', agentChannel: '' });
    expect(await t.store.callIdByChannel('leg-1')).toBeUndefined();
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'not_ready', reason: 'rona', callId: '' });
    const fresh = await newEvents();
    expect(fresh.map((e) => e.type)).toEqual(['AgentStatus', 'AgentRingNoAnswer', 'AgentStatus']);
    expect(fresh[1]).toMatchObject({ callId: 'c1', queue: 'sales', agentId: '1001', cause: 'noanswer' });
    expect(fresh[2]).toMatchObject({ status: 'not_ready', previous: 'ringing', reason: 'rona', by: 'system' });
  });

  it('makes the agent ready again (idle since now) after busy or unreachable', async () => {
    const clock = await pinClock(t.redis, t.tenant);
    await offered();
    const idleBefore = Number(await t.redis.hget(t.store.keys.agent('1001'), 'lastIdle'));
    await clock.advance(5);
    expect(await t.store.offerFailed('c1', 'leg-1', 'busy')).toMatchObject({ ok: true });
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'ready', reason: '' });
    expect(Number(await t.redis.zscore(t.store.keys.queueIdle('support'), '1001'))).toBeGreaterThan(idleBefore);
  });

  it('keeps a busy agent out of routing for the back-off, then offers it again', async () => {
    const clock = await pinClock(t.redis, t.tenant);
    await offered();
    expect(await t.store.offerFailed('c1', 'leg-1', 'busy', 300)).toMatchObject({ ok: true });
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'ready' });
    // Neither trigger may pick it while the back-off runs: one busy phone must not spin the router.
    expect(await t.store.assign({ queue: 'sales' }, 'leg-2')).toBeNull();
    expect(await t.store.assign({ agentId: '1001' }, 'leg-2')).toBeNull();
    await clock.advance(299);
    expect(await t.store.assign({ agentId: '1001' }, 'leg-2')).toBeNull();
    await clock.advance(1);
    expect(await t.store.assign({ agentId: '1001' }, 'leg-2')).toMatchObject({ callId: 'c1', agentId: '1001' });
  });

  it('ends the back-off when the agent changes status itself', async () => {
    await offered();
    await t.store.offerFailed('c1', 'leg-1', 'rejected', 60_000);
    await t.store.setNotReady('1001', 'break', by);
    await t.store.setReady('1001', by);
    expect(await t.store.assign({ queue: 'sales' }, 'leg-2')).toMatchObject({ callId: 'c1', agentId: '1001' });
  });

  it('does nothing when the fence does not match or when replayed', async () => {
    await offered();
    expect(await t.store.offerFailed('c1', 'leg-other', 'noanswer')).toEqual({ ok: false });
    expect((await t.store.getAgent('1001'))?.status).toBe('reserved');
    expect(await t.store.offerFailed('c1', 'leg-1', 'failed')).toMatchObject({ ok: true });
    await newEvents();
    expect(await t.store.offerFailed('c1', 'leg-1', 'failed')).toEqual({ ok: false });
    expect(await t.store.offerFailed('unknown', 'leg-1', 'failed')).toEqual({ ok: false });
    expect(await newEvents()).toEqual([]);
  });

  it('leaves an agent alone that has moved on to another call', async () => {
    await offered();
    await t.store.offerFailed('c1', 'leg-1', 'busy');
    expect(await t.store.assign({ queue: 'sales' }, 'leg-2')).toMatchObject({ callId: 'c1', agentId: '1001' });
    expect(await t.store.offerFailed('c1', 'leg-1', 'noanswer')).toEqual({ ok: false });
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'reserved', callId: 'c1' });
  });
});

describe('connect', () => {
  it('connects the call, makes the agent busy, and reports wait and ring times', async () => {
    await offered();
    await t.store.markRinging('c1', 'leg-1');
    await newEvents();
    expect(await t.store.connect('c1', 'leg-x', 'bridge-1')).toBe(false);
    expect(await t.store.connect('c1', 'leg-1', 'bridge-1')).toBe(true);
    const call = await t.store.getCall('c1');
    expect(call).toMatchObject({ state: 'connected', bridgeId: 'bridge-1', agentId: '1001' });
    expect(call?.answeredAt).toBeGreaterThanOrEqual(call?.joinedAt ?? Infinity);
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'busy', callId: 'c1' });
    const fresh = await newEvents();
    expect(fresh).toEqual([
      expect.objectContaining({ type: 'AgentConnect', callId: 'c1', queue: 'sales', agentId: '1001', bridgeId: 'bridge-1' }),
      expect.objectContaining({ type: 'AgentStatus', status: 'busy', previous: 'ringing' }),
    ]);
    const connect = fresh[0] as Extract<AcdEvent, { type: 'AgentConnect' }>;
    expect(connect.waitMs).toBeGreaterThanOrEqual(connect.ringMs);
    expect(connect.ringMs).toBeGreaterThanOrEqual(0);

    expect(await t.store.connect('c1', 'leg-1', 'bridge-1')).toBe(true);
    expect(await newEvents()).toEqual([]);
  });

  it('refuses a call that is no longer offered on that leg', async () => {
    await offered();
    await t.store.offerFailed('c1', 'leg-1', 'noanswer');
    expect(await t.store.connect('c1', 'leg-1', 'bridge-1')).toBe(false);
    expect((await t.store.getCall('c1'))?.state).toBe('waiting');
  });
});

describe('endCall', () => {
  it('abandons a waiting caller and forgets the call', async () => {
    await t.store.enqueue(caller('c9', 'sales'));
    await newEvents();
    const ended = await t.store.endCall('c9', 'caller');
    expect(ended).toMatchObject({ state: 'waiting', call: { id: 'c9', queue: 'sales' } });
    expect(ended?.wrapup).toBeUndefined();
    expect(await newEvents()).toEqual([expect.objectContaining({ type: 'QueueCallerAbandon', callId: 'c9', queue: 'sales', agentId: '' })]);
    expect(await t.store.getCall('c9')).toBeUndefined();
    expect(await t.store.waitingCalls('sales')).toEqual([]);
    expect(await t.store.callIdByChannel('chan-c9')).toBeUndefined();
    expect(await t.store.endCall('c9', 'caller')).toBeUndefined();
    expect(await newEvents()).toEqual([]);
  });

  it('reports a waiting call lost by the engine as QueueCallerLeave', async () => {
    await t.store.enqueue(caller('c9', 'sales'));
    await newEvents();
    await t.store.endCall('c9', 'lost');
    expect(await newEvents()).toEqual([expect.objectContaining({ type: 'QueueCallerLeave', callId: 'c9', reason: 'lost' })]);
  });

  it('abandons an offered call and frees the agent to ready', async () => {
    await offered();
    expect(await t.store.endCall('c1', 'caller')).toMatchObject({ state: 'offering', call: { agentId: '1001', agentChannel: 'leg-1' } });
    expect(await newEvents()).toEqual([
      expect.objectContaining({ type: 'QueueCallerAbandon', callId: 'c1', agentId: '1001' }),
      expect.objectContaining({ type: 'AgentStatus', status: 'ready', previous: 'reserved' }),
    ]);
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'ready', callsTaken: 0 });
    expect(await t.store.callIdByChannel('leg-1')).toBeUndefined();
  });

  it('completes a connected call straight to ready when the queue has no wrap-up', async () => {
    await connected('sales');
    const ended = await t.store.endCall('c1', 'agent');
    expect(ended?.state).toBe('connected');
    expect(ended?.wrapup).toBeUndefined();
    const fresh = await newEvents();
    expect(fresh).toEqual([
      expect.objectContaining({ type: 'AgentComplete', callId: 'c1', agentId: '1001', reason: 'completeagent' }),
      expect.objectContaining({ type: 'AgentStatus', status: 'ready', previous: 'busy' }),
    ]);
    expect(await t.store.getAgent('1001')).toMatchObject({ status: 'ready', callsTaken: 1, callId: '' });
    expect(await t.store.listCalls()).toEqual([]);
  });

  it("says whether a caller waits for the agent it freed, so the engine routes that agent only then", async () => {
    await connected('sales');
    expect((await t.store.endCall('c1', 'agent'))?.nextCallerWaits).toBe(false);
    // A caller waits in another of the agent's queues.
    await t.store.enqueue(caller('c1', 'sales'));
    expect((await t.store.assign({ queue: 'sales' }, 'leg-1'))?.agentId).toBe('1001');
    expect(await t.store.connect('c1', 'leg-1', 'bridge-1')).toBe(true);
    await t.store.enqueue(caller('c2', 'support'));
    expect((await t.store.endCall('c1', 'agent'))?.nextCallerWaits).toBe(true);
    // An offered call's end frees the agent too.
    expect((await t.store.assign({ agentId: '1001' }, 'leg-2'))?.callId).toBe('c2');
    await t.store.enqueue(caller('c3', 'sales'));
    expect((await t.store.endCall('c2', 'caller'))?.nextCallerWaits).toBe(true);
    // An agent going into after-call work is offered nothing now, whoever waits.
    expect((await t.store.assign({ agentId: '1001' }, 'leg-3'))?.callId).toBe('c3');
    await t.store.enqueue(caller('c4', 'sales'));
    expect(await t.store.connect('c3', 'leg-3', 'bridge-3')).toBe(true);
    await t.store.enqueue(caller('c5', 'support'));
    await t.store.upsertQueue(queueDef('sales', { wrapupS: 10 }));
    const ended = await t.store.endCall('c3', 'caller');
    expect(ended).toMatchObject({ nextCallerWaits: false, wrapup: { agentId: '1001', seconds: 10 } });
  });

  it("puts the agent in after-call work for the queue's wrap-up and returns the timer version", async () => {
    await connected('support');
    const ended = await t.store.endCall('c1', 'caller');
    const agent = await t.store.getAgent('1001');
    expect(agent).toMatchObject({ status: 'after_call_work', callId: 'c1', callsTaken: 1 });
    expect(ended?.wrapup).toEqual({ agentId: '1001', version: agent?.version, seconds: 30 });
    expect((await newEvents())[0]).toMatchObject({ type: 'AgentComplete', reason: 'completecaller' });
    expect(await t.redis.zrange(t.store.keys.queueIdle('sales'), '0', '-1')).toEqual([]);

    expect(await t.store.endCall('c1', 'caller')).toBeUndefined();
    expect(await t.store.endWrapup('1001', ended!.wrapup!.version)).toBe(true);
    expect((await t.store.getAgent('1001'))?.status).toBe('ready');
  });

  it('with an agent channel, ends the call only while it is connected on that leg; returns the control state it deleted', async () => {
    await connected('sales');
    expect(await t.store.updateControl('c1', 'leg-1', { recording: 'rec-1' })).toBe(true);
    expect(await t.store.endCall('c1', 'agent', 'leg-2')).toBeUndefined();
    expect((await t.store.getCall('c1'))?.state).toBe('connected');
    expect(await newEvents()).toEqual([]);

    const ended = await t.store.endCall('c1', 'agent', 'leg-1');
    expect(ended).toMatchObject({ state: 'connected', releasedLegs: [], control: { recording: 'rec-1' } });
    expect(await t.store.getControl('c1')).toEqual({});
    expect(await t.store.endCall('c1', 'agent', 'leg-1')).toBeUndefined();
  });

  it('with an agent channel, leaves an offered call alone', async () => {
    await offered();
    expect(await t.store.endCall('c1', 'agent', 'leg-1')).toBeUndefined();
    expect((await t.store.getCall('c1'))?.state).toBe('offering');
  });

  it("prefers the agent's wrap-up override, including 0", async () => {
    await t.store.upsertAgent(agentDef('1001', ['sales', 'support'], { wrapupS: 5 }));
    await connected('sales');
    expect((await t.store.endCall('c1', 'caller'))?.wrapup?.seconds).toBe(5);

    await t.store.setReady('1001', by);
    await t.store.upsertAgent(agentDef('1001', ['sales', 'support'], { wrapupS: 0 }));
    await connected('support');
    expect((await t.store.endCall('c1', 'caller'))?.wrapup).toBeUndefined();
    expect((await t.store.getAgent('1001'))?.status).toBe('ready');
  });
});

describe('reads', () => {
  it('finds the call of a channel with the call itself', async () => {
    await offered();
    expect(await t.store.callOfChannel('leg-1')).toMatchObject({ callId: 'c1', call: { id: 'c1', state: 'offering', agentChannel: 'leg-1' } });
    expect(await t.store.callOfChannel('chan-c1')).toMatchObject({ callId: 'c1', call: { state: 'offering' } });
    expect(await t.store.callOfChannel('nobody')).toBeUndefined();
  });

  it('indexes caller and agent channels and lists calls per queue', async () => {
    await offered('sales');
    await t.store.enqueue(caller('c2', 'support'));
    expect(await t.store.callIdByChannel('chan-c1')).toBe('c1');
    expect(await t.store.callIdByChannel('leg-1')).toBe('c1');
    expect((await t.store.listCalls()).map((c) => c.id)).toEqual(['c1', 'c2']);
    expect((await t.store.listCalls('support')).map((c) => c.id)).toEqual(['c2']);
    expect(await t.store.getCall('c1')).toEqual({
      id: 'c1',
      queue: 'sales',
      state: 'offering',
      callerChannel: 'chan-c1',
      callerNumber: '5551000',
      callerName: 'Caller',
      priority: 0,
      joinedAt: expect.any(Number),
      agentId: '1001',
      agentChannel: 'leg-1',
      bridgeId: '',
      answeredAt: 0,
      node: 'node-1',
    });
  });
});
