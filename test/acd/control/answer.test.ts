/**
 * Manual answer through the whole engine (simulator over ARI + real Redis): the offer is made
 * (agent leg created) but the phone is dialed only on `answer`; no answer within the ring
 * timeout is a ring-no-answer; `answer` where it makes no sense is invalid_state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../../helpers/acdHarness.js';

const config = {
  queues: [{ id: 'sales', ringTimeoutS: 2, wrapupS: 0 }],
  agents: [
    { id: 'm1', endpoint: 'PJSIP/m1', queues: ['sales'], manualAnswer: true },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['sales'] },
  ],
};

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const by = 'agent';
const dials = (channel: string) => h.sim.requests.filter((r) => r.method === 'POST' && r.path === `/channels/${channel}/dial`);

async function offeredToM1(dialAnswerLost = false) {
  h.sim.setEndpoint('PJSIP/m1', { kind: 'answer', ringMs: 50, dialAnswerLost });
  await h.engine.agents.login('m1', { by: 'test', ready: true });
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
  const offered = await h.waitForCall(caller, 'offering');
  // The leg exists and is in Stasis, but its phone is not rung.
  await waitFor(() => h.sim.channel(offered.agentChannel)?.inStasis, 'agent leg in Stasis');
  await h.engine.idle();
  return offered;
}

describe('manual answer', () => {
  it('the phone is dialed only when the agent answers; the call then connects as usual', async () => {
    h = await startHarness(config, { timeScale: 0.1 });
    const offered = await offeredToM1();
    await h.engine.settled();
    expect(dials(offered.agentChannel)).toHaveLength(0);
    expect((await h.store.getAgent('m1'))?.status).toBe('reserved');
    expect((await h.events()).some((e) => e.type === 'AgentCalled' && e.agentId === 'm1')).toBe(true);

    await h.engine.control.answer({ agentId: 'm1', by });
    expect(dials(offered.agentChannel)).toHaveLength(1);
    const call = await h.waitForCall(offered.id, 'connected');
    expect(call.agentId).toBe('m1');
    await waitFor(() => h.sim.bridges().find((b) => b.id === call.bridgeId && b.channelIds.length === 2), 'bridged');
    await expect(h.engine.control.answer({ agentId: 'm1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    expect((await h.store.getAgent('m1'))?.status).toBe('busy');
  });

  it('a phone whose Dial ANSWER never comes (Asterisk 22 now and then sends none) connects all the same, once', async () => {
    h = await startHarness({ ...config, queues: [{ id: 'sales', ringTimeoutS: 20, wrapupS: 0 }] }, { timeScale: 0.1 });
    const offered = await offeredToM1(true);
    await h.engine.control.answer({ agentId: 'm1', by });
    const call = await h.waitForCall(offered.id, 'connected');
    await waitFor(() => h.sim.bridges().find((b) => b.id === call.bridgeId && b.channelIds.length === 2), 'bridged');
    expect((await h.events()).filter((e) => e.type === 'AgentConnect')).toHaveLength(1);
    expect(h.sim.channel(offered.agentChannel)?.state).toBe('Up');
  });

  it('no answer within the ring timeout is a ring-no-answer: the agent goes not ready, the caller waits again', async () => {
    h = await startHarness(config, { timeScale: 0.1 });
    const offered = await offeredToM1();
    await h.waitForEvent((e) => e.type === 'AgentRingNoAnswer' && e.agentId === 'm1', 5_000);
    await waitFor(async () => (await h.store.getAgent('m1'))?.status === 'not_ready', 'm1 not ready');
    expect((await h.store.getAgent('m1'))?.reason).toBe('rona');
    expect((await h.store.getCall(offered.id))?.state).toBe('waiting');
    await waitFor(() => !h.sim.channel(offered.agentChannel), 'leg hung up');
    expect(dials(offered.agentChannel)).toHaveLength(0);
    // A late answer finds no offer.
    await expect(h.engine.control.answer({ agentId: 'm1', by })).rejects.toMatchObject({ code: 'invalid_state' });
  });

  it('a blind transfer to a manual-answer agent waits for its answer too: its leg is created, not rung, until answer', async () => {
    h = await startHarness(config, { timeScale: 0.1 });
    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 50 });
    h.sim.setEndpoint('PJSIP/m1', { kind: 'answer', ringMs: 50 });
    await h.engine.agents.login('a2', { by: 'test', ready: true });
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550003' });
    await h.waitForCall(caller, 'connected');
    await h.engine.agents.login('m1', { by: 'test', ready: true });
    await h.engine.control.transfer({ agentId: 'a2', by }, { agentId: 'm1' });
    const offered = await h.waitForCall(caller, 'offering');
    await waitFor(() => h.sim.channel(offered.agentChannel)?.inStasis, 'agent leg in Stasis');
    await h.engine.settled();
    expect(h.sim.channel(offered.agentChannel)?.state).toBe('Down');
    expect(dials(offered.agentChannel)).toHaveLength(0);
    await h.engine.control.answer({ agentId: 'm1', by });
    const call = await h.waitForCall(caller, 'connected');
    expect(call.agentId).toBe('m1');
  });

  it('answer is refused without an offered call and for agents that answer on their phone', async () => {
    h = await startHarness(config, { timeScale: 0.1 });
    await expect(h.engine.control.answer({ agentId: 'm1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.answer({ agentId: 'nobody', by })).rejects.toMatchObject({ code: 'agent_not_found' });
    h.sim.setEndpoint('PJSIP/a2', { kind: 'noanswer' });
    await h.engine.agents.login('a2', { by: 'test', ready: true });
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550002' });
    await h.waitForCall(caller, 'offering');
    await expect(h.engine.control.answer({ agentId: 'a2', by })).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.answer({ agentId: 'a2', callId: 'other', by })).rejects.toMatchObject({ code: 'invalid_state' });
  });

  it('after a restart a held offer still waits for answer, and answer then connects it', async () => {
    h = await startHarness({ ...config, queues: [{ id: 'sales', ringTimeoutS: 5, wrapupS: 0 }] }, { timeScale: 0.1 });
    const offered = await offeredToM1();
    await h.engine.stop();
    const next = await h.startEngine();
    await next.engine.settled(); // reconcile finds the offer and its undialed leg
    expect(dials(offered.agentChannel)).toHaveLength(0);
    expect((await h.store.getCall(offered.id))?.state).toBe('offering');
    await next.engine.control.answer({ agentId: 'm1', by });
    expect((await h.waitForCall(offered.id, 'connected')).agentId).toBe('m1');
  });

  it('an answer that comes before the leg is in Stasis dials it as soon as it is', async () => {
    h = await startHarness(config, { timeScale: 0.1 });
    h.sim.setEndpoint('PJSIP/m1', { kind: 'answer', ringMs: 50 });
    await h.engine.agents.login('m1', { by: 'test', ready: true });
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550003' });
    // Answer on the offer event itself, racing the leg's creation.
    await h.waitForEvent((e) => e.type === 'AgentCalled' && e.agentId === 'm1');
    await h.engine.control.answer({ agentId: 'm1', by });
    const call = await h.waitForCall(caller, 'connected');
    expect(dials(call.agentChannel)).toHaveLength(1);
  });
});
