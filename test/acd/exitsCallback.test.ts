/**
 * Callback (virtual hold) end to end: the caller presses the key, leaves its line keeping its
 * place; when the place comes up and an agent answers, the customer is called back and bridged;
 * a customer that does not answer is retried after the delay, then given up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../src/domain/events.js';
import { startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';
import { continued, variablesSet } from './experienceHelpers.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const config = (attempts = 2) => ({
  queues: [{ id: 'sales', ringTimeoutS: 5, callback: { key: '5', dialString: 'PJSIP/{number}@trunk', attempts, retryDelayS: 1, ringTimeoutS: 5 } }],
  agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }],
});

async function readyAgent(agentId: string) {
  await h.engine.agents.login(agentId, { by: 'test' });
  await h.engine.agents.ready(agentId, { by: 'test' });
}

/** A caller that asks for a callback: returns its call id once its line is gone. */
async function callbackRequested(number: string): Promise<string> {
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: number });
  await waitFor(() => h.sim.channel(caller)?.moh, 'music');
  h.sim.sendDtmf(caller, '5');
  await waitFor(() => continued(h.sim, caller), 'caller back in the dialplan');
  expect(variablesSet(h.sim, caller).QUEUESTATUS).toBe('CALLBACK');
  return caller;
}

const callbackEvents = (events: AcdEvent[], callId: string) =>
  events.filter((e) => e.type === 'QueueCallback' && e.callId === callId).map((e) => (e.type === 'QueueCallback' ? `${e.action}:${e.attempt}` : ''));

describe('callback', () => {
  it('keeps the place without a line, calls the customer back once the agent answered, and bridges them', async () => {
    h = await startHarness(config());
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    h.sim.setEndpoint('PJSIP/5551234@trunk', { kind: 'answer', ringMs: 300 });
    const callId = await callbackRequested('5551234');
    const second = h.sim.placeCall({ queue: 'sales', callerNumber: '777' });
    await waitFor(() => h.store.getCall(second), 'second caller queued');
    await waitFor(() => !h.sim.channel(callId), 'original line gone');
    // Its line is gone but the call is still first in the queue (reconcile does not end it).
    await h.reconnect();
    expect((await h.store.waitingCalls('sales')).map((c) => c.id)).toEqual([callId, second]);
    expect((await h.store.getCall(callId))?.callerChannel).toBe('');

    await readyAgent('a1');
    const call = await h.waitForCall(callId, 'connected', 5000);
    expect(call.agentId).toBe('a1');
    const customer = h.sim.channels().find((c) => c.name.startsWith('PJSIP/5551234@trunk'));
    expect(customer).toBeDefined();
    expect(call.callerChannel).toBe(customer!.id);
    const bridge = await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(customer!.id)), 'bridged');
    expect(bridge.channelIds).toContain(call.agentChannel);
    expect(h.sim.channel(call.agentChannel)?.moh).toBeUndefined();
    expect((await h.store.getCall(second))?.state).toBe('waiting');

    // The agent was called first, then the customer; the customer hanging up completes the call.
    const events = await h.events();
    const dialing = events.findIndex((e) => e.type === 'QueueCallback' && e.action === 'dialing');
    const agentCalled = events.findIndex((e) => e.type === 'AgentCalled' && e.callId === callId);
    expect(agentCalled).toBeLessThan(dialing);
    expect(callbackEvents(events, callId)).toEqual(['requested:0', 'dialing:1']);
    h.sim.hangup(customer!.id);
    const complete = await h.waitForEvent((e) => e.type === 'AgentComplete' && e.callId === callId);
    expect(complete).toMatchObject({ reason: 'completecaller', agentId: 'a1' });
    await waitFor(() => !h.sim.channel(call.agentChannel), 'agent leg hung up');
  });

  it('a customer who does not answer is retried after the delay, then given up', async () => {
    h = await startHarness(config(2));
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    h.sim.setEndpoint('PJSIP/5550000@trunk', { kind: 'busy' });
    const callId = await callbackRequested('5550000');
    await readyAgent('a1');
    await h.waitForEvent((e) => e.type === 'QueueCallback' && e.callId === callId && e.action === 'retry', 5000);
    // During the retry delay the call is out of the queue and the agent is free.
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'ready', 'agent ready');
    expect((await h.store.getCall(callId))?.state).toBe('waiting');
    const leave = await h.waitForEvent((e) => e.type === 'QueueCallerLeave' && e.callId === callId, 6000);
    expect(leave).toMatchObject({ reason: 'CALLBACKFAILED' });
    expect(callbackEvents(await h.events(), callId)).toEqual(['requested:0', 'dialing:1', 'retry:1', 'dialing:2', 'gaveup:2']);
    expect(await h.store.getCall(callId)).toBeUndefined();
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'ready', 'agent ready at the end');
    await waitFor(() => h.sim.channels().length === 0 || undefined, 'no channel left');
  });

  it('the callback key needs a caller number; without one the caller keeps waiting on the line', async () => {
    h = await startHarness(config());
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '' });
    await waitFor(() => h.sim.channel(caller)?.moh, 'music');
    h.sim.sendDtmf(caller, '5');
    await h.eventsHandled();
    expect(continued(h.sim, caller)).toBe(false);
    expect((await h.store.getCall(caller))?.callerChannel).toBe(caller);
  });
});
