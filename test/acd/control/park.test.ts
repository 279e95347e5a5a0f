/**
 * Park and announce through the whole engine (simulator over ARI + real Redis): the bridge
 * moves, music and the slot's announcement, the slot's lifetime (retrieval, timeout return,
 * caller hangup), the agents' states afterwards, and a restart with a parked call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../../src/domain/events.js';
import { startHarness, waitFor, type Harness } from '../../helpers/acdHarness.js';

const config = {
  queues: [
    { id: 'sales', ringTimeoutS: 3, wrapupS: 0 },
    { id: 'support', ringTimeoutS: 3, wrapupS: 0 },
  ],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['support'] },
    { id: 'a3', endpoint: 'PJSIP/a3', queues: ['sales'] },
  ],
};

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const by = 'agent';
type Unparked = Extract<AcdEvent, { type: 'CallUnparked' }>;
const unparked = async () => (await h.events()).filter((e): e is Unparked => e.type === 'CallUnparked');


async function ready(agentId: string) {
  h.sim.setEndpoint(`PJSIP/${agentId}`, { kind: 'answer', ringMs: 100 });
  await h.engine.agents.login(agentId, { by: 'test', ready: true });
}

describe('park and announce', () => {
  it('moves the caller into a holding bridge with music, announces the slot and releases the agent', async () => {
    h = await startHarness(config, { park: { timeoutS: 60 } });
    const call = await h.connectedCall();
    const n = h.sim.requests.length;
    const { slot } = await h.engine.control.park({ agentId: 'a1', by });
    expect(slot).toBe(701);
    const holding = `bridge-pk-${call.id}`;
    const requests = h.sim.requests.slice(n).map((r) => `${r.method} ${r.path}`);
    expect(requests).toEqual(
      expect.arrayContaining([
        `POST /bridges/${holding}`,
        `POST /bridges/${holding}/addChannel`,
        `DELETE /bridges/${call.bridgeId}`,
        `POST /channels/${call.callerChannel}/moh`,
      ]),
    );
    const play = h.sim.requests.slice(n).find((r) => r.method === 'POST' && r.path.startsWith(`/channels/${call.agentChannel}/play`));
    expect(play?.query.media).toBe('sound:beep,digits:701');
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ bridgeId: holding, moh: 'default' });
    // The agent leg goes once the announcement ended; the agent is free (no wrap-up configured).
    await waitFor(() => !h.sim.channel(call.agentChannel), 'agent leg hung up');
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'ready', 'a1 ready');
    expect(await h.store.getCall(call.id)).toBeUndefined();
    expect(await h.store.getControlCall(`pk-${call.id}`)).toMatchObject({ kind: 'park', slot: 701, parkedBy: 'a1' });
    const events = await h.events();
    expect(events.find((e) => e.type === 'CallParked')).toMatchObject({ callId: call.id, slot: 701, agentId: 'a1', queue: 'sales' });
    expect(events.find((e) => e.type === 'AgentComplete' && e.callId === call.id)).toMatchObject({ agentId: 'a1', reason: 'park' });

    // A second parked call takes the next slot.
    const second = await h.connectedCall('a2', 'support', '5550002');
    expect((await h.engine.control.park({ agentId: 'a2', by })).slot).toBe(702);
    expect(second.id).not.toBe(call.id);
  });

  it('stands when the agent leg is already out of Stasis as the slot is announced', async () => {
    h = await startHarness(config, { park: { timeoutS: 60 } });
    const call = await h.connectedCall();
    // What Asterisk answers for a leg whose phone hung up meanwhile (out of Stasis, not yet gone).
    h.sim.injectFault({ method: 'POST', path: new RegExp(`^/channels/${call.agentChannel}/play`), status: 409, message: 'Channel not in Stasis application' });
    await expect(h.engine.control.park({ agentId: 'a1', by })).resolves.toEqual({ slot: 701, callId: call.id });
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ bridgeId: `bridge-pk-${call.id}`, moh: 'default' });
    await waitFor(() => !h.sim.channel(call.agentChannel), 'agent leg hung up');
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'ready', 'a1 ready');
    expect(await h.store.getControlCall(`pk-${call.id}`)).toMatchObject({ kind: 'park', slot: 701 });
  });

  it('refuses park, retrieveParked in states where they make no sense', async () => {
    h = await startHarness(config);
    await expect(h.engine.control.park({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    await expect(h.engine.control.park({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.retrieveParked({ agentId: 'a1', slot: 701, by })).rejects.toMatchObject({ code: 'call_not_found' });
    await expect(h.engine.control.retrieveParked({ agentId: 'a1', slot: 9, by })).rejects.toMatchObject({ code: 'validation' });
    await expect(h.engine.control.park({ agentId: 'nobody', by })).rejects.toMatchObject({ code: 'agent_not_found' });

    // An agent on a call cannot retrieve; the parked call keeps its slot.
    await h.engine.agents.logout('a1', { by: 'test' });
    const call = await h.connectedCall('a1');
    await h.engine.control.park({ agentId: 'a1', by });
    await h.connectedCall('a2', 'support', '5550002');
    await expect(h.engine.control.retrieveParked({ agentId: 'a2', slot: 701, by })).rejects.toMatchObject({ code: 'invalid_state' });
    expect(await h.store.parkedIn(701)).toBe(`pk-${call.id}`);
  });

  it('a ready agent retrieves the parked call: it is offered and bridged to that agent', async () => {
    h = await startHarness(config, { park: { timeoutS: 60 } });
    const call = await h.connectedCall();
    await h.engine.control.park({ agentId: 'a1', by });
    await ready('a2'); // a member of another queue: retrieval is by slot, not by queue
    await h.engine.control.retrieveParked({ agentId: 'a2', slot: 701, by });
    const back = await h.waitForCall(call.id, 'connected');
    expect(back).toMatchObject({ agentId: 'a2', queue: 'sales', callerChannel: call.callerChannel });
    await waitFor(() => h.sim.bridges().find((b) => b.id === back.bridgeId && b.channelIds.length === 2), 'bridged with a2');
    expect(h.sim.bridges().find((b) => b.id === `bridge-pk-${call.id}`)).toBeUndefined();
    expect(await unparked()).toMatchObject([{ callId: call.id, slot: 701, reason: 'retrieved', by: 'a2', agentId: 'a1' }]);
    expect(await h.store.parkedIn(701)).toBeUndefined();
    expect((await h.store.getAgent('a2'))?.status).toBe('busy');
  });

  it('an unretrieved call returns to the parking agent when it is ready', async () => {
    h = await startHarness(config, { park: { timeoutS: 1 } });
    const call = await h.connectedCall();
    await h.engine.control.park({ agentId: 'a1', by });
    const back = await h.waitForCall(call.id, 'connected', 10_000);
    expect(back.agentId).toBe('a1');
    expect(await unparked()).toMatchObject([{ reason: 'timeout', by: 'system', slot: 701 }]);
  });

  it('returns to its queue at its old place when the parking agent is not ready', async () => {
    h = await startHarness(config, { park: { timeoutS: 1 } });
    const call = await h.connectedCall();
    await h.engine.control.park({ agentId: 'a1', by });
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'ready', 'a1 ready');
    await h.engine.agents.notReady('a1', { reason: 'break', by: 'test' });
    // A caller that arrived later waits behind the returning one.
    const later = h.sim.placeCall({ queue: 'sales', callerNumber: '5550009' });
    await h.waitForCall(later, 'waiting');
    const back = await h.waitForCall(call.id, 'waiting', 10_000);
    expect(back).toMatchObject({ queue: 'sales', joinedAt: call.joinedAt });
    expect((await h.store.waitingCalls('sales')).map((c) => c.id)).toEqual([call.id, later]);
    // The next ready agent gets the returning caller first.
    await ready('a3');
    const taken = await h.waitForCall(call.id, 'connected');
    expect(taken.agentId).toBe('a3');
    expect((await h.store.getCall(later))?.state).toBe('waiting');
  });

  it('a parked caller hanging up frees its slot', async () => {
    h = await startHarness(config, { park: { timeoutS: 60 } });
    const call = await h.connectedCall();
    await h.engine.control.park({ agentId: 'a1', by });
    h.sim.hangup(call.callerChannel);
    await waitFor(async () => (await h.store.parkedIn(701)) === undefined, 'slot freed');
    expect(await unparked()).toMatchObject([{ reason: 'hangup', slot: 701 }]);
    await waitFor(() => !h.sim.bridges().some((b) => b.id === `bridge-pk-${call.id}`), 'holding bridge gone');
    expect(await h.store.getControlCall(`pk-${call.id}`)).toBeUndefined();
    expect(await h.store.getCall(call.id)).toBeUndefined();
  });

  it('after a restart a live parked call keeps its slot and timer; a gone one is cleaned up', async () => {
    // 5 s: the restart below must fit before the kept call's park timer, on a loaded machine too.
    h = await startHarness(config, { park: { timeoutS: 5 } });
    const kept = await h.connectedCall();
    await h.engine.control.park({ agentId: 'a1', by });
    const lost = await h.connectedCall('a2', 'support', '5550002');
    await h.engine.control.park({ agentId: 'a2', by });
    await h.engine.stop();
    h.sim.hangup(lost.callerChannel);
    await waitFor(() => !h.sim.channel(lost.callerChannel), 'the lost caller gone');
    const next = await h.startEngine();
    await waitFor(async () => (await h.store.parkedIn(702)) === undefined, 'gone caller cleaned up');
    expect(await h.store.parkedIn(701)).toBe(`pk-${kept.id}`);
    // The timer scheduled before the restart still returns the live one (a1 is ready).
    const back = await waitFor(async () => {
      const c = await h.store.getCall(kept.id);
      return c?.state === 'connected' ? c : undefined;
    }, 'returned after restart', 20_000);
    expect(back.agentId).toBe('a1');
    expect(next.nodeId).toBe('node-a');
  });
});
