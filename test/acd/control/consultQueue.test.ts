/**
 * Consult to a queue through the whole engine: the consult waits in the target queue like a
 * caller (its own call, the `;2` half of a Local pair), is connected when an agent of that queue
 * answers, then complete / cancel / conference, and every hangup, with the store invariants.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isConsultCall } from '../../../src/domain/idPrefixes.js';
import { startHarness, waitFor, type Harness } from '../../helpers/acdHarness.js';
import { findViolations } from '../../helpers/invariants.js';
import type { ConsultCall } from '../../../src/domain/controlCall.js';

const config = {
  queues: [
    { id: 'sales', ringTimeoutS: 3, wrapupS: 1 },
    { id: 'support', ringTimeoutS: 3, wrapupS: 1 },
  ],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a3', endpoint: 'PJSIP/a3', queues: ['support'] },
  ],
};
const by = 'agent';
const a1 = { agentId: 'a1', by };
let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** a1 talks to a caller of `sales`; a3 (support) is logged in, ready or not. */
async function setup(a3Ready: boolean) {
  h = await startHarness(config);
  h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
  h.sim.setEndpoint('PJSIP/a3', { kind: 'answer', ringMs: 100 });
  await h.engine.agents.login('a1', { by, ready: true });
  await h.engine.agents.login('a3', { by, ready: false });
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '555' });
  const call = await h.waitForCall(caller, 'connected');
  await waitFor(() => h.sim.bridges().find((b) => b.id === call.bridgeId && b.channelIds.length === 2), 'bridged');
  if (a3Ready) await h.engine.agents.ready('a3', { by });
  await h.engine.idle();
  return call;
}

const bridgeOf = (channelId: string) => h.sim.channel(channelId)?.bridgeId;
const controlState = async (id: string) => (await h.store.getControlCall(id))?.state;

/** Consults `support`; returns the consult, its `;1` leg and its queue call id once the queue answered it. */
async function consultSupport() {
  const { consultId } = await h.engine.control.consult(a1, { queue: 'support' });
  const r = (await h.store.getControlCall(consultId)) as ConsultCall;
  expect(r).toMatchObject({ target: { queue: 'support' } });
  const queueCall = r.queueCall;
  expect(isConsultCall(queueCall)).toBe(true);
  await waitFor(async () => (await controlState(consultId)) !== 'dialing' || undefined, 'consult answered by the queue');
  await waitFor(() => bridgeOf(r.leg) === `bridge-${consultId}` || undefined, 'agent and consult leg in the consult bridge');
  return { consultId, leg: r.leg, queueCall };
}

/** a3 answers the consult call; returns it connected. */
async function a3Answers(consultId: string, queueCall: string) {
  const consultCall = await h.waitForCall(queueCall, 'connected');
  await waitFor(async () => (await controlState(consultId)) === 'connected' || undefined, 'consult connected');
  await waitFor(() => h.sim.bridges().find((b) => b.id === consultCall.bridgeId && b.channelIds.length === 2), 'consult call bridged');
  return consultCall;
}

async function noViolations() {
  expect(await findViolations(h.redis, h.store.keys)).toEqual([]);
}

describe('consult to a queue', () => {
  it('waits in the queue with its music, is answered by a queue agent, and complete hands the caller over', async () => {
    const call = await setup(false);
    const { consultId, leg, queueCall } = await consultSupport();
    // Waiting: a call of its own in support, with music; the agent listens in the consult bridge.
    expect(await h.store.getCall(queueCall)).toMatchObject({ queue: 'support', state: 'waiting', callerChannel: queueCall });
    expect(await controlState(consultId)).toBe('queued');
    await waitFor(() => h.sim.channel(queueCall)?.moh || undefined, 'consult call hears the queue music');
    expect(bridgeOf(call.agentChannel)).toBe(`bridge-${consultId}`);
    expect(bridgeOf(leg)).toBe(`bridge-${consultId}`);
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ moh: 'default', muted: 'in', bridgeId: call.bridgeId });
    await expect(h.engine.control.completeTransfer(a1)).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.conference(a1)).rejects.toMatchObject({ code: 'invalid_state' });
    await noViolations();

    await h.engine.agents.ready('a3', { by });
    const consultCall = await a3Answers(consultId, queueCall);
    expect(consultCall.agentId).toBe('a3');
    expect(bridgeOf(queueCall)).toBe(consultCall.bridgeId);

    await h.engine.control.completeTransfer(a1);
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a3', agentChannel: consultCall.agentChannel, bridgeId: call.bridgeId });
    expect(await h.store.getCall(queueCall)).toBeUndefined();
    expect(h.sim.bridges().find((b) => b.id === call.bridgeId)?.channelIds.sort()).toEqual([call.callerChannel, consultCall.agentChannel].sort());
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ moh: undefined, muted: undefined });
    await waitFor(() => (!h.sim.channel(call.agentChannel) && !h.sim.channel(leg) && !h.sim.channel(queueCall)) || undefined, 'first agent leg and Local pair gone');
    await waitFor(() => !h.sim.bridges().some((b) => b.id === consultCall.bridgeId || b.id === `bridge-${consultId}`) || undefined, 'consult bridges destroyed');
    expect(await h.store.getAgent('a1')).toMatchObject({ status: 'after_call_work' });
    expect(await h.store.getAgent('a3')).toMatchObject({ status: 'busy', callId: call.id });
    expect(await h.store.getControlCall(consultId)).toBeUndefined();
    await noViolations();
    const events = await h.events();
    expect(events.filter((e) => e.type === 'AgentConnect' && e.callId === call.id).map((e) => (e.type === 'AgentConnect' ? e.agentId : ''))).toEqual(['a1', 'a3']);
    // The consult call leaves without an abandon or a completion.
    expect(events.filter((e) => 'callId' in e && e.callId === queueCall && ['QueueCallerAbandon', 'AgentComplete'].includes(e.type))).toEqual([]);
    expect(events.find((e) => e.type === 'QueueCallerLeave' && e.callId === queueCall)).toMatchObject({ reason: 'consult', queue: 'support' });

    // The new agent hangs up: the caller's call ends normally and a3 wraps up.
    h.sim.hangup(consultCall.agentChannel);
    await waitFor(() => !h.sim.channel(call.callerChannel) || undefined, 'caller hung up');
    await waitFor(async () => (await h.store.getAgent('a3'))?.status === 'after_call_work' || undefined, 'a3 wraps up');
    expect(await h.store.listCalls()).toEqual([]);
  });

  it('cancel while waiting takes the consult out of the queue; cancel once answered releases the queue agent', async () => {
    const call = await setup(false);
    const first = await consultSupport();
    await h.engine.control.cancelConsult(a1);
    await waitFor(() => (!h.sim.channel(first.leg) && !h.sim.channel(first.queueCall)) || undefined, 'Local pair gone');
    await waitFor(async () => !(await h.store.getCall(first.queueCall)) || undefined, 'consult call left the queue');
    expect(bridgeOf(call.agentChannel)).toBe(call.bridgeId);
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ moh: undefined, muted: undefined });
    expect(await h.store.getControl(call.id)).toEqual({});
    await noViolations();

    await h.engine.agents.ready('a3', { by });
    const second = await consultSupport();
    const consultCall = await a3Answers(second.consultId, second.queueCall);
    await h.engine.control.cancelConsult(a1);
    await waitFor(async () => (await h.store.getAgent('a3'))?.status === 'after_call_work' || undefined, 'a3 released, wraps up');
    await waitFor(() => !h.sim.channel(consultCall.agentChannel) || undefined, 'a3 leg gone');
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a1' });
    expect(bridgeOf(call.agentChannel)).toBe(call.bridgeId);
    expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();
    expect(await h.store.listCalls()).toHaveLength(1);
    await noViolations();
  });

  it('conference puts all three together; complete then leaves the caller with the queue agent', async () => {
    const call = await setup(true);
    const { consultId, leg, queueCall } = await consultSupport();
    const consultCall = await a3Answers(consultId, queueCall);
    await h.engine.control.conference(a1);
    expect(h.sim.bridges().find((b) => b.id === call.bridgeId)?.channelIds.sort()).toEqual([call.callerChannel, call.agentChannel, leg].sort());
    expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();
    expect(bridgeOf(consultCall.agentChannel)).toBe(consultCall.bridgeId);

    await h.engine.control.completeTransfer(a1);
    await waitFor(() => (!h.sim.channel(call.agentChannel) && !h.sim.channel(leg)) || undefined, 'a1 leg and Local pair gone');
    expect(h.sim.bridges().find((b) => b.id === call.bridgeId)?.channelIds.sort()).toEqual([call.callerChannel, consultCall.agentChannel].sort());
    expect(await h.store.getCall(call.id)).toMatchObject({ agentId: 'a3', agentChannel: consultCall.agentChannel });
    await noViolations();
  });

  describe('hangups', () => {
    it('the consult leg hanging up while waiting gives the agent its caller back', async () => {
      const call = await setup(false);
      const { leg, queueCall } = await consultSupport();
      h.sim.hangup(leg);
      await waitFor(async () => (await h.store.getControl(call.id)).consult === undefined || undefined, 'consult over');
      await waitFor(async () => !(await h.store.getCall(queueCall)) || undefined, 'consult call gone');
      expect(bridgeOf(call.agentChannel)).toBe(call.bridgeId);
      expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();
      await noViolations();
    });

    it('the queue agent hanging up gives the consulting agent its caller back', async () => {
      const call = await setup(true);
      const { consultId, queueCall } = await consultSupport();
      const consultCall = await a3Answers(consultId, queueCall);
      h.sim.hangup(consultCall.agentChannel);
      await waitFor(async () => (await h.store.getControl(call.id)).consult === undefined || undefined, 'consult over');
      await waitFor(async () => (await h.store.getAgent('a3'))?.status === 'after_call_work' || undefined, 'a3 wraps up');
      expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a1' });
      expect(bridgeOf(call.agentChannel)).toBe(call.bridgeId);
      expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();
      await noViolations();
    });

    it('the caller hanging up ends the consult: everybody is released', async () => {
      const call = await setup(true);
      const { consultId, leg, queueCall } = await consultSupport();
      const consultCall = await a3Answers(consultId, queueCall);
      h.sim.hangup(call.callerChannel);
      await waitFor(async () => (await h.store.listCalls()).length === 0 || undefined, 'no calls left');
      await waitFor(() => ![call.agentChannel, leg, queueCall, consultCall.agentChannel].some((id) => h.sim.channel(id)) || undefined, 'all legs gone');
      await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'after_call_work' || undefined, 'a1 wraps up');
      await waitFor(async () => (await h.store.getAgent('a3'))?.status === 'after_call_work' || undefined, 'a3 wraps up');
      expect(await h.store.listControlCalls()).toEqual([]);
      await noViolations();
    });

    it('the consulting agent hanging up while waiting puts the caller back in its queue', async () => {
      const call = await setup(false);
      const { leg, queueCall } = await consultSupport();
      h.sim.hangup(call.agentChannel);
      await h.waitForCall(call.id, 'waiting');
      await waitFor(() => (!h.sim.channel(leg) && !h.sim.channel(queueCall)) || undefined, 'Local pair gone');
      await waitFor(async () => !(await h.store.getCall(queueCall)) || undefined, 'consult call gone');
      expect(h.sim.channel(call.callerChannel)?.moh).toBeTruthy();
      await noViolations();
    });

    it('the consulting agent hanging up once a queue agent answered completes the transfer', async () => {
      const call = await setup(true);
      const { consultId, queueCall } = await consultSupport();
      const consultCall = await a3Answers(consultId, queueCall);
      h.sim.hangup(call.agentChannel);
      await waitFor(async () => (await h.store.getCall(call.id))?.agentId === 'a3' || undefined, 'a3 has the caller');
      await waitFor(() => h.sim.bridges().find((b) => b.id === call.bridgeId && b.channelIds.includes(consultCall.agentChannel) && b.channelIds.includes(call.callerChannel)), 'caller bridged with a3');
      await waitFor(async () => !(await h.store.getCall(queueCall)) || undefined, 'consult call gone');
      await noViolations();
    });
  });

  it('the socket drops as a queue agent takes the consult: after the reconnect the consult is connected and completes', async () => {
    const call = await setup(false);
    const { consultId, queueCall } = await consultSupport();
    // The consult call's ChannelEnteredBridge (its agent answered) never reaches the engine.
    h.sim.dropConnectionsBefore((e) => e.type === 'ChannelEnteredBridge' && (e.channel as { id: string }).id === queueCall, { refuseForMs: 1_500 });
    await h.engine.agents.ready('a3', { by });
    const consultCall = await a3Answers(consultId, queueCall);
    await h.engine.control.completeTransfer(a1);
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a3', agentChannel: consultCall.agentChannel });
    await waitFor(() => h.sim.bridges().find((b) => b.id === call.bridgeId)?.channelIds.includes(consultCall.agentChannel) || undefined, 'caller bridged with a3');
    await noViolations();
  });

  it('refuses bad requests without changing anything', async () => {
    const call = await setup(false);
    await expect(h.engine.control.consult(a1, { queue: 'nope' })).rejects.toMatchObject({ code: 'queue_not_found' });
    await expect(h.engine.control.consult({ agentId: 'a3', by }, { queue: 'sales' })).rejects.toMatchObject({ code: 'invalid_state' });
    expect(await h.store.getControl(call.id)).toEqual({});
    await consultSupport();
    await expect(h.engine.control.consult(a1, { queue: 'support' })).rejects.toMatchObject({ code: 'invalid_state' });
    expect(await h.store.listCalls()).toHaveLength(2);
    await noViolations();
  });
});
