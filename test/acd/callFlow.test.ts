/**
 * The first complete call path, end to end: simulator (ARI over HTTP + WebSocket) → real
 * ari-client adapter → engine → real Redis. Each test reads the outcome where a user would see
 * it: the channels and bridges in the PBX, the agent's state, and the events in the stream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../src/domain/events.js';
import { startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';
import { onLeavingStasis } from './experienceHelpers.js';

const config = {
  queues: [
    { id: 'sales', ringTimeoutS: 3, wrapupS: 1 },
    { id: 'support', ringTimeoutS: 3, wrapupS: 0 },
  ],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['sales'] },
    { id: 'a3', endpoint: 'PJSIP/a3', queues: ['sales', 'support'] },
  ],
};

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const types = (events: AcdEvent[], callId: string) => events.filter((e) => 'callId' in e && e.callId === callId && e.type !== 'AgentStatus').map((e) => e.type);

async function agentStatus(agentId: string) {
  return (await h.store.getAgent(agentId))?.status;
}

async function readyAgent(agentId: string) {
  await h.engine.agents.login(agentId, { by: 'test' });
  await h.engine.agents.ready(agentId, { by: 'test' });
}

describe('a queue call', () => {
  it('answers the caller with music on hold while no agent is ready, and queues it', async () => {
    h = await startHarness(config);
    const caller = await h.sim.placeCall({ queue: 'sales', callerNumber: '5551234', callerName: 'Customer' });
    const call = await waitFor(() => h.store.getCall(caller), 'call queued');
    expect(call).toMatchObject({ queue: 'sales', state: 'waiting', callerNumber: '5551234', callerName: 'Customer' });
    await waitFor(() => h.sim.channel(caller)?.moh, 'music on hold');
    expect(h.sim.channel(caller)?.state).toBe('Up');
    const join = (await h.events()).find((e) => e.type === 'QueueCallerJoin');
    expect(join).toMatchObject({ callId: caller, queue: 'sales', position: 1 });
  });

  it('rings the longest idle agent, bridges on answer, then the agent hangs up: wrap-up, then ready', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 500, talkMs: 3000 });
    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 500, talkMs: 3000 });
    await readyAgent('a2'); // a2 idle first: longest idle
    await readyAgent('a1');
    const caller = await h.sim.placeCall({ queue: 'sales', callerNumber: '100' });

    const call = await h.waitForCall(caller, 'connected');
    expect(call.agentId).toBe('a2');
    expect(await agentStatus('a2')).toBe('busy');
    expect(await agentStatus('a1')).toBe('ready');
    const bridge = await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(caller) && b.channelIds.includes(call.agentChannel)), 'bridge');
    expect(bridge.channelIds).toHaveLength(2);
    expect(h.sim.channel(caller)?.moh).toBeFalsy();

    // The agent hangs up after its talk time: the caller is hung up, the agent wraps up.
    await h.waitForEvent((e) => e.type === 'AgentComplete' && e.callId === caller);
    await waitFor(() => !h.sim.channel(caller), 'caller hung up');
    // The bridge stays, empty, for the next call (src/acd/bridgePool.ts).
    await waitFor(() => (h.sim.bridges().length === 1 && h.sim.bridges()[0]!.channelIds.length === 0) || undefined, 'bridge emptied');
    expect(await agentStatus('a2')).toBe('after_call_work');
    await waitFor(async () => (await agentStatus('a2')) === 'ready', 'ready after wrap-up', 5000);

    const events = await h.events();
    expect(types(events, caller)).toEqual(['QueueCallerJoin', 'AgentCalled', 'AgentConnect', 'AgentComplete']);
    expect(events.find((e) => e.type === 'AgentComplete')).toMatchObject({ agentId: 'a2', reason: 'completeagent' });
    const statuses = events.filter((e) => e.type === 'AgentStatus' && e.agentId === 'a2').map((e) => (e.type === 'AgentStatus' ? e.status : ''));
    expect(statuses.slice(-5)).toEqual(['reserved', 'ringing', 'busy', 'after_call_work', 'ready']);
  });

  it('hangs up the agent when the caller hangs up during the conversation', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 200 });
    await readyAgent('a1');
    const caller = await h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    const call = await h.waitForCall(caller, 'connected');
    h.sim.hangup(caller, 16);
    await h.waitForEvent((e) => e.type === 'AgentComplete' && e.callId === caller);
    await waitFor(() => !h.sim.channel(call.agentChannel), 'agent leg hung up');
    expect((await h.events()).find((e) => e.type === 'AgentComplete')).toMatchObject({ reason: 'completecaller' });
    expect(await agentStatus('a1')).toBe('after_call_work');
    expect(await h.store.getCall(caller)).toBeUndefined();
  });
});

describe('after the agent hangs up', () => {
  it('sends the caller on in the dialplan with QUEUESTATUS=CONTINUE when the queue says so', async () => {
    h = await startHarness({ queues: [{ id: 'survey', wrapupS: 0, continueOnAgentHangup: true }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['survey'] }] });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100, talkMs: 300 });
    await readyAgent('a1');
    const caller = h.sim.placeCall({ queue: 'survey', callerNumber: '100' });
    await h.waitForEvent((e) => e.type === 'AgentComplete' && e.callId === caller);
    const requestsTo = (suffix: string) => h.sim.requests.filter((r) => r.path === `/channels/${caller}${suffix}`);
    await waitFor(() => requestsTo('/continue').length === 1, 'caller continued in the dialplan');
    expect(requestsTo('/variable').map((r) => r.query)).toContainEqual({ variable: 'QUEUESTATUS', value: 'CONTINUE' });
    expect(h.sim.requests.some((r) => r.method === 'DELETE' && r.path === `/channels/${caller}`)).toBe(false);
  });

  it('a caller on hold goes on in the dialplan without the hold: no music, heard again', async () => {
    h = await startHarness({ queues: [{ id: 'survey', wrapupS: 0, continueOnAgentHangup: true }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['survey'] }] });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    await readyAgent('a1');
    const caller = h.sim.placeCall({ queue: 'survey', callerNumber: '100' });
    const call = await h.waitForCall(caller, 'connected');
    await h.engine.control.hold({ agentId: 'a1', by: 'test' });
    expect(h.sim.channel(caller)).toMatchObject({ moh: 'default', muted: 'in' });
    const leaving = onLeavingStasis(h.sim, caller);
    h.sim.hangup(call.agentChannel);
    const left = await waitFor(leaving, 'caller continued in the dialplan');
    expect(left.moh).toBeFalsy();
    expect(left.muted).toBeFalsy();
  });
});

describe('offers that fail', () => {
  it('no answer: the agent becomes not ready (rona) and the caller is offered to the next agent', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'noanswer' });
    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 200 });
    await readyAgent('a1');
    await readyAgent('a2');
    const caller = await h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    await h.waitForEvent((e) => e.type === 'AgentRingNoAnswer' && e.agentId === 'a1');
    const agent = await h.store.getAgent('a1');
    expect(agent).toMatchObject({ status: 'not_ready', reason: 'rona' });
    const call = await h.waitForCall(caller, 'connected');
    expect(call.agentId).toBe('a2');
    // The caller heard music while the first agent rang out.
    expect(types(await h.events(), caller)).toEqual(['QueueCallerJoin', 'AgentCalled', 'AgentRingNoAnswer', 'AgentCalled', 'AgentConnect']);
  });

  it.each([
    ['busy', { kind: 'busy' as const }],
    ['reject', { kind: 'reject' as const }],
    ['unreachable endpoint (allocation failed)', { kind: 'unavailable' as const }],
  ])('%s: the next agent gets the call and the first stays logged in', async (_name, behaviour) => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', behaviour);
    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 200 });
    await readyAgent('a1');
    await readyAgent('a2');
    const caller = await h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    const call = await h.waitForCall(caller, 'connected');
    expect(call.agentId).toBe('a2');
    expect(await agentStatus('a1')).toBe('ready');
    // No agent leg to a1 is left behind.
    expect(h.sim.channels().filter((c) => c.name.startsWith('PJSIP/a1'))).toEqual([]);
  });
});

describe("an originated agent leg's end tells the offer's outcome", () => {
  // Local phones of the test dialplan end an originated leg as Asterisk 22 does: busy with cause 0
  // after a Dial BUSY, rejected with 21, rung out with 19 (test/sim/simulator.test.ts).
  it.each([
    ['busy', 'Local/3001@agents', 'busy'],
    ['rejecting', 'Local/4001@agents', 'rejected'],
    ['never answering', 'Local/2001@agents', 'noanswer'],
  ])('a %s Local phone (%s): AgentRingNoAnswer says %s', async (_what, endpoint, cause) => {
    h = await startHarness({ queues: [{ id: 'sales', ringTimeoutS: 1, wrapupS: 0 }], agents: [{ id: 'l1', endpoint, queues: ['sales'] }] });
    await readyAgent('l1');
    h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    const failed = await h.waitForEvent((e) => e.type === 'AgentRingNoAnswer' && e.agentId === 'l1');
    expect(failed).toMatchObject({ cause });
  });
});

describe('abandon', () => {
  it('caller hangs up while waiting: abandoned, nothing else changes', async () => {
    h = await startHarness(config);
    const caller = await h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    await waitFor(() => h.store.getCall(caller), 'queued');
    h.sim.hangup(caller, 16);
    await h.waitForEvent((e) => e.type === 'QueueCallerAbandon' && e.callId === caller);
    expect(await h.store.getCall(caller)).toBeUndefined();
    expect(await h.store.waitingCalls('sales')).toEqual([]);
  });

  it('caller hangs up while the agent rings: agent leg hung up, agent ready again', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'noanswer' });
    await readyAgent('a1');
    const caller = await h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    const call = await waitFor(async () => {
      const c = await h.store.getCall(caller);
      return c?.state === 'offering' && (await agentStatus('a1')) === 'ringing' ? c : undefined;
    }, 'ringing');
    h.sim.hangup(caller, 16);
    await h.waitForEvent((e) => e.type === 'QueueCallerAbandon' && e.callId === caller);
    await waitFor(() => !h.sim.channel(call.agentChannel), 'agent leg hung up');
    expect(await agentStatus('a1')).toBe('ready');
    expect((await h.events()).some((e) => e.type === 'AgentRingNoAnswer')).toBe(false);
  });
});

describe('concurrency', () => {
  it('two callers racing for one agent: one is connected, the other waits and gets the agent after wrap-up', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 200, talkMs: 1000 });
    await readyAgent('a1');
    const [c1, c2] = await Promise.all([h.sim.placeCall({ queue: 'sales', callerNumber: '1' }), h.sim.placeCall({ queue: 'sales', callerNumber: '2' })]);
    const first = await waitFor(async () => {
      const calls = await h.store.listCalls();
      const connected = calls.filter((c) => c.state === 'connected');
      return connected.length === 1 ? connected[0] : undefined;
    }, 'one connected');
    const other = first.id === c1 ? c2 : c1;
    expect((await h.store.getCall(other))?.state).toBe('waiting');
    const called = (await h.events()).filter((e) => e.type === 'AgentCalled');
    expect(called).toHaveLength(1);
    // After the talk and 1 s of wrap-up the second caller gets the same agent.
    await waitFor(async () => (await h.store.getCall(other))?.state === 'connected', 'second connected', 8000);
  });

  it('an agent in two queues with callers in both is offered exactly one call', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a3', { kind: 'manual' });
    const [s, t] = await Promise.all([h.sim.placeCall({ queue: 'sales', callerNumber: '1' }), h.sim.placeCall({ queue: 'support', callerNumber: '2' })]);
    await waitFor(async () => (await h.store.getCall(s)) && (await h.store.getCall(t)), 'both queued');
    await readyAgent('a3');
    await waitFor(async () => (await agentStatus('a3')) === 'ringing', 'ringing');
    await h.engine.idle();
    const calls = await h.store.listCalls();
    expect(calls.filter((c) => c.state === 'offering')).toHaveLength(1);
    expect(calls.filter((c) => c.state === 'waiting')).toHaveLength(1);
    expect(h.sim.channels().filter((c) => c.name.startsWith('PJSIP/a3'))).toHaveLength(1);
  });

  it('serves a higher priority caller first', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    const low = await h.sim.placeCall({ queue: 'sales', callerNumber: '1' });
    await waitFor(() => h.store.getCall(low), 'low queued');
    const high = await h.sim.placeCall({ queue: 'sales', args: ['sales', 'priority=5'], callerNumber: '2' });
    await waitFor(() => h.store.getCall(high), 'high queued');
    await readyAgent('a1');
    await waitFor(async () => (await h.store.getCall(high))?.state === 'offering', 'high offered first');
    expect((await h.store.getCall(low))?.state).toBe('waiting');
  });
});

describe('callers the engine does not queue', () => {
  it('an unknown queue sends the caller back to the dialplan with QUEUESTATUS', async () => {
    h = await startHarness(config);
    const caller = await h.sim.placeCall({ queue: 'nope', callerNumber: '1' });
    // The channel leaves Stasis and its dialplan goes on, so read what the engine asked of the PBX.
    const requestsTo = (suffix: string) => h.sim.requests.filter((r) => r.path === `/channels/${caller}${suffix}`);
    await waitFor(() => requestsTo('/continue').length === 1, 'continued in dialplan');
    expect(requestsTo('/variable').map((r) => r.query)).toContainEqual({ variable: 'QUEUESTATUS', value: 'UNKNOWN' });
    expect(requestsTo('/answer')).toEqual([]);
    expect(await h.store.listCalls()).toEqual([]);
  });
});
