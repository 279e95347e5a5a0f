/**
 * Consult, complete, cancel and conference through the whole engine: where each party's channel
 * is (bridges, music), who the call belongs to afterwards, and the agents' states.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../../helpers/acdHarness.js';

const config = {
  queues: [{ id: 'sales', ringTimeoutS: 3, wrapupS: 1 }],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: [] },
  ],
};
const by = 'agent';
let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function setup(opts: { requestTimeoutMs?: number } = {}) {
  h = await startHarness(config, opts);
  h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
  h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 100 });
  h.sim.setEndpoint('PJSIP/3000', { kind: 'answer', ringMs: 100 });
  await h.engine.agents.login('a1', { by, ready: true });
  await h.engine.agents.login('a2', { by, ready: true });
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '555' });
  const call = await h.waitForCall(caller, 'connected');
  await waitFor(() => h.sim.bridges().find((b) => b.id === call.bridgeId && b.channelIds.length === 2), 'bridged');
  await h.engine.idle();
  return call;
}

const consultLeg = () => h.sim.channels().find((c) => c.args[0] === 'consult');
const bridgeOf = (channelId: string) => h.sim.channel(channelId)?.bridgeId;

/** A call of a1's with a consult to agent a2 answered: a1 talks to a2 in the consult bridge. */
async function consultingA2() {
  const call = await setup();
  const { consultId } = await h.engine.control.consult({ agentId: 'a1', by }, { agentId: 'a2' });
  await waitFor(() => bridgeOf(call.agentChannel) === `bridge-${consultId}` || undefined, 'agent in the consult bridge');
  return { call, consultId };
}

describe('consult', () => {
  it('to an agent: caller held, agent talks to the consulted agent; complete hands the call over', async () => {
    const call = await setup();
    await expect(h.engine.control.completeTransfer({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    const { consultId } = await h.engine.control.consult({ agentId: 'a1', by }, { agentId: 'a2' });
    expect(await h.store.getAgent('a2')).toMatchObject({ status: 'busy', callId: consultId });
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ moh: 'default', muted: 'in', bridgeId: call.bridgeId });
    await waitFor(() => bridgeOf(call.agentChannel) === `bridge-${consultId}` || undefined, 'agent in the consult bridge');
    expect((await h.store.getControlCall(consultId))?.state).toBe('connected');
    const leg = consultLeg()!;
    expect(bridgeOf(leg.id)).toBe(`bridge-${consultId}`);
    await expect(h.engine.control.consult({ agentId: 'a1', by }, { extension: '3000' })).rejects.toMatchObject({ code: 'invalid_state' });

    await h.engine.control.completeTransfer({ agentId: 'a1', by });
    const now = await h.store.getCall(call.id);
    expect(now).toMatchObject({ state: 'connected', agentId: 'a2', agentChannel: leg.id, bridgeId: call.bridgeId });
    expect(h.sim.bridges().find((b) => b.id === call.bridgeId)?.channelIds.sort()).toEqual([call.callerChannel, leg.id].sort());
    expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();
    await waitFor(() => !h.sim.channel(call.agentChannel), 'first agent leg hung up');
    expect(await h.store.getAgent('a1')).toMatchObject({ status: 'after_call_work' });
    expect(await h.store.getAgent('a2')).toMatchObject({ status: 'busy', callId: call.id });
    expect((await h.events()).filter((e) => e.type === 'AgentConnect').map((e) => (e.type === 'AgentConnect' ? e.agentId : ''))).toEqual(['a1', 'a2']);

    // The new agent hangs up: the call ends normally, a2 wraps up.
    h.sim.hangup(leg.id);
    await waitFor(() => !h.sim.channel(call.callerChannel), 'caller hung up');
    await waitFor(async () => (await h.store.getAgent('a2'))?.status === 'after_call_work', 'a2 wraps up');
  });

  it('to an extension, cancelled: the consult leg goes and the agent is back with its caller', async () => {
    const call = await setup();
    const { consultId } = await h.engine.control.consult({ agentId: 'a1', by }, { extension: '3000' });
    await waitFor(() => bridgeOf(call.agentChannel) === `bridge-${consultId}` || undefined, 'consult answered');
    expect(h.sim.requests.find((r) => r.path === '/channels/create' && r.query.endpoint === 'PJSIP/3000')).toBeDefined();
    await h.engine.control.cancelConsult({ agentId: 'a1', by });
    await waitFor(() => !consultLeg() || undefined, 'consult leg gone');
    expect(bridgeOf(call.agentChannel)).toBe(call.bridgeId);
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ moh: undefined, muted: undefined });
    expect(await h.store.getControl(call.id)).toEqual({});
    await expect(h.engine.control.cancelConsult({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
  });

  it('conference puts all three in the call bridge; completing to an extension then leaves caller and extension', async () => {
    const call = await setup();
    await expect(h.engine.control.conference({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    const { consultId } = await h.engine.control.consult({ agentId: 'a1', by }, { extension: '3000' });
    await waitFor(() => bridgeOf(call.agentChannel) === `bridge-${consultId}` || undefined, 'consult answered');
    const leg = consultLeg()!;
    await h.engine.control.conference({ agentId: 'a1', by });
    expect(h.sim.bridges().find((b) => b.id === call.bridgeId)?.channelIds.sort()).toEqual([call.callerChannel, call.agentChannel, leg.id].sort());
    expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();

    await h.engine.control.completeTransfer({ agentId: 'a1', by });
    await waitFor(() => !h.sim.channel(call.agentChannel), 'agent leg hung up');
    expect(await h.store.getCall(call.id)).toBeUndefined();
    expect((await h.store.getControlCall(`rd-${call.id}`))?.state).toBe('connected');
    await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(call.callerChannel) && b.channelIds.includes(leg.id)), 'caller with the extension');
    expect(await h.store.getAgent('a1')).toMatchObject({ status: 'after_call_work' });
  });

  it('a consulted agent whose Dial ANSWER never comes (Asterisk 22 now and then sends none) is talking to the agent all the same', async () => {
    const call = await setup();
    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 100, dialAnswerLost: true });
    const { consultId } = await h.engine.control.consult({ agentId: 'a1', by }, { agentId: 'a2' });
    await waitFor(async () => (await h.store.getControlCall(consultId))?.state === 'connected' || undefined, 'consult connected');
    expect((await h.events()).some((e) => e.type === 'CallControl' && 'step' in e && e.step === 'connected')).toBe(true);
    await h.engine.control.completeTransfer({ agentId: 'a1', by });
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a2', agentChannel: consultLeg()?.id });
  });

  it('a consulted party that does not answer gives the agent its caller back; a busy agent cannot be consulted', async () => {
    const call = await setup();
    h.sim.setEndpoint('PJSIP/3000', { kind: 'busy' });
    await h.engine.control.consult({ agentId: 'a1', by }, { extension: '3000' });
    await waitFor(async () => (await h.store.getControl(call.id)).consult === undefined || undefined, 'consult over');
    expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();
    await h.engine.agents.notReady('a2', { reason: 'break', by });
    await expect(h.engine.control.consult({ agentId: 'a1', by }, { agentId: 'a2' })).rejects.toMatchObject({ code: 'invalid_state' });
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a1' });
  });
});

/**
 * The consulting agent hangs up its own phone during a consult or a conference: after the
 * consulted party answered the transfer completes, before it the consult is cancelled and the
 * caller waits in its queue again. No caller is lost.
 */
describe('consulting agent hangs up', () => {
  it('after the consulted agent answered: the transfer completes, the caller talks to that agent', async () => {
    const { call, consultId } = await consultingA2();
    const leg = consultLeg()!;
    h.sim.hangup(call.agentChannel);
    await waitFor(async () => (await h.store.getCall(call.id))?.agentId === 'a2' || undefined, 'handed over');
    await waitFor(() => h.sim.bridges().find((b) => b.id === call.bridgeId && b.channelIds.length === 2 && b.channelIds.includes(leg.id)), 'caller with a2');
    await h.engine.idle();
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ bridgeId: call.bridgeId });
    await waitFor(() => !h.sim.channel(call.callerChannel)?.moh || undefined, 'caller music stopped');
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentChannel: leg.id });
    expect(await h.store.getAgent('a1')).toMatchObject({ status: 'after_call_work' });
    expect(await h.store.getAgent('a2')).toMatchObject({ status: 'busy', callId: call.id });
    expect((await h.events()).filter((e) => e.type === 'AgentComplete')).toMatchObject([{ agentId: 'a1', reason: 'transfer' }]);
    await waitFor(() => !h.sim.bridges().some((b) => b.id === `bridge-${consultId}`) || undefined, 'consult bridge destroyed');
  });

  it('in a conference: the caller stays with the consulted extension', async () => {
    const call = await setup();
    const { consultId } = await h.engine.control.consult({ agentId: 'a1', by }, { extension: '3000' });
    await waitFor(() => bridgeOf(call.agentChannel) === `bridge-${consultId}` || undefined, 'consult answered');
    const leg = consultLeg()!;
    await h.engine.control.conference({ agentId: 'a1', by });
    h.sim.hangup(call.agentChannel);
    await waitFor(async () => (await h.store.getControlCall(`rd-${call.id}`))?.state === 'connected' || undefined, 'redirect connected');
    await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(call.callerChannel) && b.channelIds.includes(leg.id)), 'caller with the extension');
    await h.engine.idle();
    expect(h.sim.channel(call.callerChannel)).toBeDefined();
    expect(await h.store.getCall(call.id)).toBeUndefined();
    expect(await h.store.getAgent('a1')).toMatchObject({ status: 'after_call_work' });
  });

  it('before the consulted party answered: the consult is cancelled and the caller waits in its queue again', async () => {
    const call = await setup();
    h.sim.setEndpoint('PJSIP/3000', { kind: 'manual' });
    await h.engine.control.consult({ agentId: 'a1', by }, { extension: '3000' });
    await waitFor(() => consultLeg(), 'consult ringing');
    const leg = consultLeg()!;
    h.sim.hangup(call.agentChannel);
    const waiting = await h.waitForCall(call.id, 'waiting');
    expect(waiting).toMatchObject({ queue: 'sales', agentId: '' });
    await waitFor(() => !h.sim.channel(leg.id) || undefined, 'consult leg hung up');
    await waitFor(() => h.sim.channel(call.callerChannel)?.moh === 'default' || undefined, 'caller hears music again');
    await h.engine.settled();
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ moh: 'default', bridgeId: undefined });
    expect(h.sim.channel(call.callerChannel)?.muted).toBeFalsy();
    expect(h.sim.bridges()).toHaveLength(0);
    expect(await h.store.getControl(call.id)).toEqual({});
    expect(await h.store.getAgent('a1')).toMatchObject({ status: 'after_call_work' });
    // The caller is not lost: once a1 is ready again it gets it back.
    await waitFor(async () => (await h.store.getCall(call.id))?.state === 'connected' || undefined, 'caller reconnected after wrap-up');
  });

  it('together with the consulted agent: the consult ends (the agent gone is no error), then the call', async () => {
    const { call, consultId } = await consultingA2();
    // The consult leg's StasisEnd comes first: its teardown finds the agent's channel gone (addChannel: 400).
    h.sim.hangup(consultLeg()!.id);
    h.sim.hangup(call.agentChannel);
    await waitFor(async () => ((await h.store.getCall(call.id)) ? undefined : true), 'call ended');
    await h.engine.settled();
    const steps = (await h.events()).flatMap((e) => (e.type === 'CallControl' && e.callId === call.id && e.action === 'consult' && 'step' in e ? [e.step] : []));
    expect(steps.at(-1)).toBe('ended');
    expect(await h.store.getControlCall(consultId)).toBeUndefined();
    // The consulted agent is free (no wrap-up outside a queue), the consulting one wraps up.
    expect(await h.store.getAgent('a2')).toMatchObject({ status: 'ready', callId: '' });
    expect(await h.store.getAgent('a1')).toMatchObject({ status: 'after_call_work' });
    await waitFor(() => !h.sim.channel(call.callerChannel) || undefined, 'caller hung up');
  });
});

/**
 * The socket to Asterisk drops while the consulted party rings, and something happens meanwhile:
 * the events are lost, so after the reconnect the consult reads what became of its channels. Down
 * for 1.5 s: longer than the look for a missing Dial ANSWER (src/acd/dialAnswerCheck.ts) survives.
 */
describe('the socket drops while the consulted party rings', () => {
  async function ringingConsult() {
    const call = await setup();
    h.sim.setEndpoint('PJSIP/a2', { kind: 'manual' });
    const { consultId } = await h.engine.control.consult({ agentId: 'a1', by }, { agentId: 'a2' });
    const leg = await waitFor(() => (consultLeg()?.state === 'Ringing' ? consultLeg() : undefined), 'consult leg ringing');
    return { call, consultId, leg };
  }
  const reconnected = () => waitFor(() => h.sim.isConnected(), 'the engine back on the socket');

  it('the consulted agent answers meanwhile: after the reconnect the consult is connected and completes', async () => {
    const { call, consultId, leg } = await ringingConsult();
    h.sim.dropConnections({ refuseForMs: 1_500 });
    h.sim.answer(leg.id); // its Dial ANSWER reaches nobody
    await reconnected();
    await waitFor(async () => (await h.store.getControlCall(consultId))?.state === 'connected' || undefined, 'consult connected');
    await waitFor(() => bridgeOf(call.agentChannel) === `bridge-${consultId}` || undefined, 'agent in the consult bridge');
    await h.engine.control.completeTransfer({ agentId: 'a1', by });
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a2', agentChannel: leg.id });
  });

  it('the consulted party hangs up meanwhile: after the reconnect the agent has its caller back, the consulted agent is free', async () => {
    const { call, consultId, leg } = await ringingConsult();
    h.sim.dropConnections({ refuseForMs: 1_500 });
    h.sim.hangup(leg.id, 21);
    await reconnected();
    await waitFor(async () => ((await h.store.getControl(call.id)).consult ? undefined : true), 'consult over');
    expect(await h.store.getControlCall(consultId)).toBeUndefined();
    expect(bridgeOf(call.agentChannel)).toBe(call.bridgeId);
    expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a1' });
    expect((await h.store.getAgent('a2'))?.status).not.toBe('busy');
  });

  it.each([
    ['its create answered', false],
    ['its create unanswered too (no answer within the request timeout)', true],
  ])("the consult leg's StasisStart is lost, %s: after the reconnect the leg is dialed and the consult connects", async (_what, unanswered) => {
    const call = await setup({ requestTimeoutMs: 500 });
    if (unanswered) h.sim.injectFault({ method: 'POST', path: /\/channels\/create$/, answerDelayMs: 1_000 });
    h.sim.dropConnectionsBefore((e) => e.type === 'StasisStart' && (e.args as string[])[0] === 'consult', { refuseForMs: 1_500 });
    const { consultId } = await h.engine.control.consult({ agentId: 'a1', by }, { agentId: 'a2' });
    await reconnected();
    await waitFor(async () => (await h.store.getControlCall(consultId))?.state === 'connected' || undefined, 'consult connected');
    await waitFor(() => bridgeOf(call.agentChannel) === `bridge-${consultId}` || undefined, 'agent in the consult bridge');
    await h.engine.control.completeTransfer({ agentId: 'a1', by });
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a2' });
  });

  it("a consult leg's create unanswered and carried out only later: the consult ends at once, the late leg is hung up, nobody is left busy", async () => {
    const call = await setup({ requestTimeoutMs: 500 });
    h.sim.injectFault({ method: 'POST', path: /\/channels\/create$/, delayMs: 1_000 });
    const lateLeg = h.sim.waitForEvent((e) => e.type === 'StasisStart' && (e.args as string[])[0] === 'consult');
    const { consultId } = await h.engine.control.consult({ agentId: 'a1', by }, { agentId: 'a2' });
    await waitFor(async () => ((await h.store.getControl(call.id)).consult ? undefined : true), 'consult over');
    expect(await h.store.getControlCall(consultId)).toBeUndefined();
    expect(bridgeOf(call.agentChannel)).toBe(call.bridgeId);
    expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();
    await waitFor(async () => (await h.store.getAgent('a2'))?.status !== 'busy' || undefined, 'a2 free');
    const leg = (await lateLeg).channel as { id: string };
    await waitFor(() => !h.sim.channel(leg.id) || undefined, 'the late consult leg hung up');
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a1' });
  });

  it('the caller hangs up meanwhile: after the reconnect the consult ends with the call, its leg hung up and nobody left busy', async () => {
    const { call, consultId, leg } = await ringingConsult();
    h.sim.dropConnections({ refuseForMs: 1_500 });
    h.sim.hangup(call.callerChannel);
    await reconnected();
    await waitFor(async () => ((await h.store.getControlCall(consultId)) ? undefined : true), 'consult over');
    await waitFor(() => !h.sim.channel(leg.id) || undefined, 'consult leg hung up');
    await waitFor(async () => ((await h.store.getCall(call.id)) ? undefined : true), 'call over');
    expect((await h.store.getAgent('a2'))?.status).not.toBe('busy');
  });
});

describe('a restart during a consult', () => {
  it('the next engine ends the consult it cannot follow and gives the agent its caller back', async () => {
    const { call, consultId } = await consultingA2();
    const leg = consultLeg()!;
    await h.engine.stop();
    const next = await h.startEngine('node-a');
    await next.engine.idle();
    await waitFor(async () => ((await h.store.getControlCall(consultId)) ? undefined : true), 'consult ended');
    await waitFor(() => !h.sim.channel(leg.id) || undefined, 'consult leg hung up');
    await waitFor(async () => (await h.store.getAgent('a2'))?.status !== 'busy' || undefined, 'consulted agent free');
    // The consult's end is written last, once the caller is back.
    await waitFor(async () => (Object.keys(await h.store.getControl(call.id)).length === 0 ? true : undefined), 'consult and hold cleared on the call');
    expect(bridgeOf(call.agentChannel)).toBe(call.bridgeId);
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ bridgeId: call.bridgeId });
    expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();
    expect(h.sim.channel(call.callerChannel)?.muted).toBeFalsy();
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a1' });
  });
});
