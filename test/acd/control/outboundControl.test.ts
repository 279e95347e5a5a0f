/**
 * In-call commands on an agent's outbound call (simulator over ARI + real Redis): hold / retrieve,
 * mute / unmute and DTMF act on the destination as on a queue caller, blind transfer to a queue
 * makes the destination a caller of that queue; invalid_state before the call is connected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../../src/domain/events.js';
import { startHarness, waitFor, type Harness } from '../../helpers/acdHarness.js';
import { recentLogLines } from '../../helpers/recentLogs.js';
import type { OutboundCall } from '../../../src/domain/controlCall.js';

const config = {
  queues: [{ id: 'support', ringTimeoutS: 3, wrapupS: 0 }],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: [] as string[], wrapupS: 1 },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['support'] },
  ],
};

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const by = 'agent';
const t = { agentId: 'a1', by };
const requestsSince = (n: number) => h.sim.requests.slice(n).map((r) => `${r.method} ${r.path}${r.query.direction ? `?direction=${r.query.direction}` : ''}`);
const details = async (id: string) =>
  (await h.events()).filter((e): e is Extract<AcdEvent, { type: 'CallControl' }> => e.type === 'CallControl' && e.callId === id).map((e) => ('digits' in e ? `${e.direction} ${e.digits}` : 'step' in e ? e.step : ''));

async function connectedOutbound() {
  h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 50 });
  h.sim.setEndpoint('PJSIP/5551234', { kind: 'answer', ringMs: 50 });
  await h.engine.agents.login('a1', { by: 'test' });
  const { id } = await h.engine.control.dial({ agentId: 'a1', destination: '5551234', by });
  const bridge = await waitFor(() => h.sim.bridges().find((b) => b.channelIds.length === 2), 'bridged');
  await waitFor(async () => (await h.store.getControlCall(id))?.state === 'connected' || undefined, 'connected');
  const r = (await h.store.getControlCall(id)) as OutboundCall;
  return { id, bridge, agentLeg: r.agentLeg, destLeg: r.destLeg };
}

describe('outbound call control', () => {
  it('hold / retrieve, mute / unmute and DTMF both ways act as on a queue call', async () => {
    h = await startHarness(config);
    const { id, agentLeg, destLeg } = await connectedOutbound();
    let n = h.sim.requests.length;
    await h.engine.control.hold(t);
    expect(requestsSince(n)).toEqual([`POST /channels/${destLeg}/mute?direction=in`, `POST /channels/${destLeg}/moh`]);
    expect(h.sim.channel(destLeg)).toMatchObject({ moh: 'default', muted: 'in' });
    await expect(h.engine.control.hold(t)).rejects.toMatchObject({ code: 'invalid_state' });
    n = h.sim.requests.length;
    await h.engine.control.retrieve({ ...t, callId: id });
    expect(requestsSince(n)).toEqual([`DELETE /channels/${destLeg}/moh`, `DELETE /channels/${destLeg}/mute?direction=in`]);

    n = h.sim.requests.length;
    await h.engine.control.mute(t);
    expect(requestsSince(n)).toEqual([`POST /channels/${agentLeg}/mute?direction=in`]);
    await expect(h.engine.control.mute(t)).rejects.toMatchObject({ code: 'invalid_state' });
    await h.engine.control.unmute(t);
    await expect(h.engine.control.unmute(t)).rejects.toMatchObject({ code: 'invalid_state' });

    await expect(h.engine.control.sendDtmf(t, '1x')).rejects.toMatchObject({ code: 'validation' });
    n = h.sim.requests.length;
    await h.engine.control.sendDtmf(t, '12#');
    expect(h.sim.requests.slice(n).map((r) => [r.path, r.query.dtmf])).toEqual([[`/channels/${destLeg}/dtmf`, '12#']]);
    h.sim.sendDtmf(destLeg, '7');
    await waitFor(async () => (await details(id)).includes('received 7') || undefined, 'received digit');
    expect(await details(id)).toEqual(['dialing', 'ringing', 'connected', 'hold', 'retrieve', 'mute', 'unmute', 'sent 12#', 'received 7']);
    expect(await h.store.getAgent('a1')).toMatchObject({ status: 'busy', callId: id });
    // A wrong call id is refused like on a queue call (it then targets the agent's queue call: none).
    await expect(h.engine.control.hold({ ...t, callId: 'other' })).rejects.toMatchObject({ code: 'invalid_state' });

    await h.engine.control.release(t);
    await waitFor(() => h.sim.channels().length === 0 || undefined, 'both legs gone');
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'after_call_work' || undefined, 'wrap-up');
  });

  it('a destination out of Stasis as it is bridged (addChannel 422): the call ends on its hang-up, no step fails', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 50 });
    h.sim.setEndpoint('PJSIP/5551234', { kind: 'answer', ringMs: 50 });
    await h.engine.agents.login('a1', { by: 'test' });
    // What Asterisk answers for a leg hanging up just then (out of Stasis, not yet gone).
    h.sim.injectFault({ method: 'POST', path: /^\/bridges\/[^/]+\/addChannel$/, status: 422, message: 'Channel not in Stasis application' });
    const { id } = await h.engine.control.dial({ agentId: 'a1', destination: '5551234', by });
    await waitFor(() => h.sim.faultsPending === 0 || undefined, 'the refused addChannel');
    const r = (await h.store.getControlCall(id)) as OutboundCall;
    h.sim.hangup(r.destLeg);
    await waitFor(() => h.sim.channels().length === 0 || undefined, 'the agent leg hung up with the destination');
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'after_call_work' || undefined, 'wrap-up');
    await h.engine.settled();
    expect(recentLogLines()).not.toContain('event handling failed');
  });

  it('before the destination answers the in-call commands are invalid_state and send nothing', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 50 });
    h.sim.setEndpoint('PJSIP/555', { kind: 'manual' });
    await h.engine.agents.login('a1', { by: 'test' });
    const { id } = await h.engine.control.dial({ agentId: 'a1', destination: '555', by });
    await waitFor(() => h.sim.requests.some((r) => r.path.endsWith('-b/dial')) || undefined, 'destination dialed');
    expect((await h.store.getControlCall(id))?.state).toBe('ringing');
    const n = h.sim.requests.length;
    for (const command of ['hold', 'retrieve', 'mute', 'unmute'] as const) await expect(h.engine.control[command](t)).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.sendDtmf(t, '1')).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.transfer(t, { queue: 'support' })).rejects.toMatchObject({ code: 'invalid_state' });
    expect(h.sim.requests.slice(n).filter((r) => r.method !== 'GET' && /^\/(channels|bridges)/.test(r.path))).toEqual([]);
    await h.engine.control.release(t);
  });

  it('blind transfer to a queue: the destination waits there as a caller and reaches its agent; the first agent wraps up', async () => {
    h = await startHarness(config);
    const { id, agentLeg, destLeg, bridge } = await connectedOutbound();
    await h.engine.control.hold(t);
    await expect(h.engine.control.transfer(t, { queue: 'nope' })).rejects.toMatchObject({ code: 'queue_not_found' });
    await expect(h.engine.control.transfer(t, { agentId: 'a2' })).rejects.toMatchObject({ code: 'invalid_state' });
    expect((await h.store.getControlCall(id))?.state).toBe('connected');

    await h.engine.control.transfer(t, { queue: 'support' });
    const waiting = await h.waitForCall(destLeg, 'waiting');
    expect(waiting).toMatchObject({ queue: 'support', callerNumber: '5551234', priority: 0 });
    await waitFor(() => !h.sim.channel(agentLeg) || undefined, 'agent leg hung up');
    expect(h.sim.channel(destLeg)).toMatchObject({ moh: 'default' });
    expect(h.sim.channel(destLeg)?.muted).toBeFalsy();
    expect(h.sim.bridges().find((b) => b.id === bridge.id)).toBeUndefined();
    expect(await h.store.getControlCall(id)).toBeUndefined();
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'after_call_work' || undefined, 'wrap-up');

    // A restarted engine keeps it waiting (its channel is no unknown control leg to hang up).
    await h.engine.stop();
    const next = await h.startEngine('node-a');
    await next.engine.idle();
    expect(h.sim.channel(destLeg)).toMatchObject({ moh: 'default' });
    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 50 });
    await next.engine.agents.login('a2', { by: 'test', ready: true });
    expect((await h.waitForCall(destLeg, 'connected')).agentId).toBe('a2');
    // The transferred party hanging up ends its queue call like any caller's.
    h.sim.hangup(destLeg);
    await waitFor(async () => (await h.store.getCall(destLeg)) === undefined || undefined, 'call ended');
    await waitFor(async () => (await h.store.getAgent('a2'))?.status === 'ready' || undefined, 'a2 ready again');
  });

  it('an agent phone and a destination whose Dial ANSWER never comes (Asterisk 22 now and then sends none) are connected all the same', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 50, dialAnswerLost: true });
    h.sim.setEndpoint('PJSIP/5551234', { kind: 'answer', ringMs: 50, dialAnswerLost: true });
    await h.engine.agents.login('a1', { by: 'test' });
    const { id } = await h.engine.control.dial({ agentId: 'a1', destination: '5551234', by });
    await waitFor(async () => (await h.store.getControlCall(id))?.state === 'connected' || undefined, 'connected');
    await waitFor(() => h.sim.bridges().find((b) => b.channelIds.length === 2), 'agent and destination bridged');
  });
});
