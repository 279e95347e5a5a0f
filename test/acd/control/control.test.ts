/**
 * Call control through the whole engine (simulator over ARI + real Redis): each command's ARI
 * requests, the events it records, the agent's state afterwards, and invalid_state when the
 * command makes no sense in the current state.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../../src/domain/events.js';
import { startHarness, waitFor, type Harness } from '../../helpers/acdHarness.js';
import { recentLogLines } from '../../helpers/recentLogs.js';

const config = {
  queues: [
    { id: 'sales', ringTimeoutS: 3, wrapupS: 1 },
    { id: 'support', ringTimeoutS: 3, wrapupS: 0 },
  ],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['support'] },
  ],
};

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const by = 'agent';
const requestsSince = (n: number) => h.sim.requests.slice(n).map((r) => `${r.method} ${r.path}${r.query.direction ? `?direction=${r.query.direction}` : ''}`);
const controls = async (action: string) => (await h.events()).filter((e): e is Extract<AcdEvent, { type: 'CallControl' }> => e.type === 'CallControl' && e.action === action);


describe('in-call commands', () => {
  it('hold plays music to the caller and mutes it towards the agent; retrieve undoes it', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall();
    let n = h.sim.requests.length;
    await h.engine.control.hold({ agentId: 'a1', by });
    expect(requestsSince(n)).toEqual([`POST /channels/${call.callerChannel}/mute?direction=in`, `POST /channels/${call.callerChannel}/moh`]);
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ moh: 'default', muted: 'in', bridgeId: call.bridgeId });
    expect(await h.store.getControl(call.id)).toMatchObject({ held: '1' });
    await expect(h.engine.control.hold({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });

    n = h.sim.requests.length;
    await h.engine.control.retrieve({ agentId: 'a1', by });
    expect(requestsSince(n)).toEqual([`DELETE /channels/${call.callerChannel}/moh`, `DELETE /channels/${call.callerChannel}/mute?direction=in`]);
    expect(h.sim.channel(call.callerChannel)?.moh).toBeFalsy();
    expect((await controls('hold')).length + (await controls('retrieve')).length).toBe(2);
    expect(await h.store.getAgent('a1')).toMatchObject({ status: 'busy', callId: call.id });
  });

  it('mute / unmute the agent, DTMF to the caller; release ends the call into wrap-up', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall();
    let n = h.sim.requests.length;
    await h.engine.control.mute({ agentId: 'a1', by });
    expect(requestsSince(n)).toEqual([`POST /channels/${call.agentChannel}/mute?direction=in`]);
    await expect(h.engine.control.mute({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    await h.engine.control.unmute({ agentId: 'a1', by });
    await expect(h.engine.control.sendDtmf({ agentId: 'a1', by }, '12x')).rejects.toMatchObject({ code: 'validation' });
    n = h.sim.requests.length;
    await h.engine.control.sendDtmf({ agentId: 'a1', by }, '12#');
    expect(h.sim.requests.slice(n).map((r) => [r.path, r.query.dtmf])).toEqual([[`/channels/${call.callerChannel}/dtmf`, '12#']]);
    expect(await controls('dtmf')).toMatchObject([{ digits: '12#', direction: 'sent', agentId: 'a1' }]);

    await h.engine.control.release({ agentId: 'a1', by });
    await h.waitForEvent((e) => e.type === 'AgentComplete' && e.callId === call.id);
    expect((await h.events()).find((e) => e.type === 'AgentComplete')).toMatchObject({ reason: 'completeagent' });
    await waitFor(() => !h.sim.channel(call.callerChannel), 'caller hung up');
    expect((await h.store.getAgent('a1'))?.status).toBe('after_call_work');
    expect(await h.store.getControl(call.id)).toEqual({});
  });

  it.each(['hold', 'retrieve', 'mute', 'unmute', 'release'] as const)('%s with no call is invalid_state and sends nothing', async (command) => {
    h = await startHarness(config);
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    const n = h.sim.requests.length;
    await expect(h.engine.control[command]({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.sendDtmf({ agentId: 'a1', by }, '1')).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.transfer({ agentId: 'a1', by }, { queue: 'support' })).rejects.toMatchObject({ code: 'invalid_state' });
    // Nothing touches a channel or a bridge (endpoint subscriptions of device-state tracking may come and go).
    expect(h.sim.requests.slice(n).filter((r) => r.method !== 'GET' && /^\/(channels|bridges)/.test(r.path))).toEqual([]);
    expect((await h.store.getAgent('a1'))?.status).toBe('ready');
  });
});

describe('blind transfer', () => {
  it('to a queue: the agent wraps up, the caller waits there with its priority and hears music', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall();
    await h.engine.control.transfer({ agentId: 'a1', by }, { queue: 'support' });
    const moved = await h.waitForCall(call.id, 'waiting');
    expect(moved).toMatchObject({ queue: 'support', priority: 0, agentId: '' });
    await waitFor(() => !h.sim.channel(call.agentChannel), 'old agent leg hung up');
    expect(h.sim.channel(call.callerChannel)).toMatchObject({ moh: 'default', bridgeId: undefined });
    expect(h.sim.bridges()).toHaveLength(0);
    expect((await h.store.getAgent('a1'))?.status).toBe('after_call_work');
    expect((await h.events()).filter((e) => e.type === 'AgentComplete')).toMatchObject([{ reason: 'transfer', agentId: 'a1' }]);
    // A ready agent of the new queue then gets the caller.
    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 100 });
    await h.engine.agents.login('a2', { by: 'test', ready: true });
    expect((await h.waitForCall(call.id, 'connected')).agentId).toBe('a2');
  });

  it("to a queue: the caller gets that queue's hold media and max wait, as a caller who joined it", async () => {
    h = await startHarness({ ...config, queues: [config.queues[0]!, { id: 'support', ringTimeoutS: 3, wrapupS: 0, timeoutS: 1, ringInsteadOfMoh: true }] });
    const call = await h.connectedCall();
    await h.engine.control.transfer({ agentId: 'a1', by }, { queue: 'support' });
    await waitFor(() => h.sim.requests.some((r) => r.method === 'POST' && r.path === `/channels/${call.callerChannel}/ring`), 'the caller hears ringing');
    // No agent of support is logged in: after its max wait the caller leaves it as TIMEOUT.
    const leave = await h.waitForEvent((e) => e.type === 'QueueCallerLeave' && e.callId === call.id);
    expect(leave).toMatchObject({ reason: 'TIMEOUT', queue: 'support' });
  });

  it("to a ready agent: while that agent rings the caller gets its queue's hold media and max wait", async () => {
    h = await startHarness({ ...config, queues: [{ id: 'sales', ringTimeoutS: 30, wrapupS: 0, timeoutS: 2, ringInsteadOfMoh: true, holdMediaDelayMs: 0 }, config.queues[1]!] });
    const call = await h.connectedCall();
    h.sim.setEndpoint('PJSIP/a2', { kind: 'noanswer' });
    await h.engine.agents.login('a2', { by: 'test', ready: true });
    const n = h.sim.requests.length;
    await h.engine.control.transfer({ agentId: 'a1', by }, { agentId: 'a2' });
    await waitFor(() => h.sim.requests.slice(n).some((r) => r.method === 'POST' && r.path === `/channels/${call.callerChannel}/ring`), 'the caller hears ringing');
    // a2 never answers: the queue's max wait ends the caller's stay while a2's leg still rings.
    const leave = await h.waitForEvent((e) => e.type === 'QueueCallerLeave' && e.callId === call.id);
    expect(leave).toMatchObject({ reason: 'TIMEOUT', queue: 'sales' });
  });

  it('to a ready agent: that agent is rung and bridged; to a busy agent or unknown queue it is refused', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall();
    await expect(h.engine.control.transfer({ agentId: 'a1', by }, { agentId: 'a2' })).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.transfer({ agentId: 'a1', by }, { queue: 'nope' })).rejects.toMatchObject({ code: 'queue_not_found' });
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a1' });

    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 100 });
    await h.engine.agents.login('a2', { by: 'test', ready: false });
    await h.engine.agents.ready('a2', { by: 'test' });
    await h.engine.control.transfer({ agentId: 'a1', by }, { agentId: 'a2' });
    const now = await waitFor(async () => {
      const c = await h.store.getCall(call.id);
      return c?.state === 'connected' && c.agentId === 'a2' ? c : undefined;
    }, 'connected to a2');
    const bridge = await waitFor(() => h.sim.bridges().find((b) => b.id === now.bridgeId && b.channelIds.length === 2), 'bridge with a2');
    expect(bridge.channelIds).toEqual(expect.arrayContaining([call.callerChannel, now.agentChannel]));
    expect((await h.store.getAgent('a2'))?.status).toBe('busy');
    expect((await h.store.getAgent('a1'))?.status).toBe('after_call_work');
  });
});

describe('recording', () => {
  it('records the call bridge on request, lists it, stops it; refuses a second start or a stop with none', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall();
    await expect(h.engine.control.stopRecording({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    const { name } = await h.engine.control.startRecording({ agentId: 'a1', by });
    const rec = h.sim.requests.find((r) => r.path === `/bridges/${call.bridgeId}/record`);
    expect(rec).toMatchObject({ status: 201, query: { name, format: 'wav' } });
    await expect(h.engine.control.startRecording({ agentId: 'a1', by })).rejects.toMatchObject({ code: 'invalid_state' });
    expect(await h.store.listRecordings({ agentId: 'a1' })).toMatchObject([{ name, callId: call.id, queue: 'sales' }]);
    await h.engine.control.stopRecording({ agentId: 'a1', by });
    expect(h.sim.requests.find((r) => r.path === `/recordings/live/${name}/stop`)?.status).toBe(204);
    expect(await h.store.getControl(call.id)).toEqual({});
  });
});

describe('blind transfer to an extension', () => {
  it('bridges the caller with the answered destination; the agent wraps up; a hang-up ends both', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall();
    h.sim.setEndpoint('PJSIP/2000', { kind: 'answer', ringMs: 200 });
    await h.engine.control.transfer({ agentId: 'a1', by }, { extension: '2000' });
    expect(await h.store.getCall(call.id)).toBeUndefined();
    expect((await h.store.getAgent('a1'))?.status).toBe('after_call_work');
    const bridge = await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(call.callerChannel) && b.channelIds.length === 2), 'caller bridged with 2000');
    const dest = bridge.channelIds.find((c) => c !== call.callerChannel)!;
    expect(h.sim.channel(dest)?.args).toEqual(['transfer', `rd-${call.id}`]);
    expect(h.sim.requests.find((r) => r.path === '/channels/create' && r.query.endpoint === 'PJSIP/2000')).toBeDefined();
    expect((await h.store.getControlCall(`rd-${call.id}`))?.state).toBe('connected');
    h.sim.hangup(dest);
    await waitFor(() => !h.sim.channel(call.callerChannel), 'caller hung up with the destination');
    expect(await h.store.getControlCall(`rd-${call.id}`)).toBeUndefined();
    await waitFor(() => h.sim.bridges().length === 0 || undefined, 'bridge gone');
  });

  it('a caller out of Stasis as the destination answers (addChannel 422): the transfer ends on its hang-up, no step fails', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall();
    h.sim.setEndpoint('PJSIP/2000', { kind: 'answer', ringMs: 100 });
    // What Asterisk answers for a caller hanging up just then (out of Stasis, not yet gone).
    h.sim.injectFault({ method: 'POST', path: /^\/bridges\/[^/]+\/addChannel$/, status: 422, message: 'Channel not in Stasis application' });
    await h.engine.control.transfer({ agentId: 'a1', by }, { extension: '2000' });
    await waitFor(async () => (await h.store.getControlCall(`rd-${call.id}`))?.state === 'connected' || undefined, 'destination answered');
    await waitFor(() => h.sim.faultsPending === 0 || undefined, 'the refused addChannel');
    h.sim.hangup(call.callerChannel);
    await waitFor(() => h.sim.channels().length === 0 || undefined, 'the destination hung up with the caller');
    await waitFor(async () => (await h.store.getControlCall(`rd-${call.id}`)) === undefined || undefined, 'transfer over');
    await h.engine.settled();
    expect(recentLogLines()).not.toContain('event handling failed');
  });

  it('puts the caller back in its queue with its priority when the destination is busy', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    const caller = h.sim.placeCall({ args: ['sales', 'priority=7'] });
    const call = await h.waitForCall(caller, 'connected');
    await waitFor(() => h.sim.bridges().find((b) => b.channelIds.length === 2), 'bridged');
    h.sim.setEndpoint('PJSIP/2000', { kind: 'busy' });
    await expect(h.engine.control.transfer({ agentId: 'a1', by }, { extension: '20 00' })).rejects.toMatchObject({ code: 'validation' });
    await h.engine.control.transfer({ agentId: 'a1', by }, { extension: '2000' });
    const back = await h.waitForCall(call.id, 'waiting');
    expect(back).toMatchObject({ queue: 'sales', priority: 7 });
    expect(h.sim.channel(caller)?.moh).toBeTruthy();
    await waitFor(() => h.sim.channels().every((c) => c.args[0] !== 'transfer') || undefined, 'destination leg gone');
    expect(await h.store.getControlCall(`rd-${call.id}`)).toBeUndefined();
  });
});

describe('supervisor', () => {
  it('monitors through a snoop, switches to whisper then barge, and ends; the agent leg going ends it too', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall();
    h.sim.setEndpoint('PJSIP/sup', { kind: 'answer', ringMs: 100 });
    const started = await h.engine.control.monitor({ supervisorId: 's1', agentId: 'a1', endpoint: 'PJSIP/sup', mode: 'monitor' });
    await waitFor(() => h.engine.control.monitorOf('s1')?.connected, 'supervisor answered');
    const snoopReq = () => h.sim.requests.filter((r) => r.method === 'POST' && r.path.startsWith(`/channels/${call.agentChannel}/snoop`));
    await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(started.supervisorChannel) && b.channelIds.length === 2), 'monitor bridge');
    expect(snoopReq().at(-1)?.query).toMatchObject({ spy: 'both', whisper: 'none' });
    await waitFor(async () => (await controls('monitor')).length === 1, 'monitor event');
    expect((await controls('monitor'))[0]).toMatchObject({ step: 'monitor', by: 'supervisor:s1', agentId: 'a1' });

    await h.engine.control.monitor({ supervisorId: 's1', agentId: 'a1', endpoint: 'PJSIP/sup', mode: 'whisper' });
    expect(snoopReq().at(-1)?.query).toMatchObject({ spy: 'both', whisper: 'out' });
    expect(h.sim.channels().filter((c) => c.name.startsWith('Snoop/'))).toHaveLength(1);

    await h.engine.control.monitor({ supervisorId: 's1', agentId: 'a1', endpoint: 'PJSIP/sup', mode: 'barge' });
    const callBridge = h.sim.bridges().find((b) => b.id === call.bridgeId);
    expect(callBridge?.channelIds).toEqual(expect.arrayContaining([call.callerChannel, call.agentChannel, started.supervisorChannel]));
    await waitFor(() => h.sim.channels().every((c) => !c.name.startsWith('Snoop/')), 'snoop gone');
    await expect(h.engine.control.monitor({ supervisorId: 's1', agentId: 'a1', endpoint: 'PJSIP/sup', mode: 'barge' })).rejects.toMatchObject({ code: 'invalid_state' });

    await h.engine.control.endMonitor('s1');
    await waitFor(() => !h.sim.channel(started.supervisorChannel), 'supervisor leg hung up');
    expect((await controls('monitor')).map((e) => ('step' in e ? e.step : ''))).toEqual(['monitor', 'whisper', 'barge', 'ended']);
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a1' });
    await expect(h.engine.control.endMonitor('s1')).rejects.toMatchObject({ code: 'invalid_state' });

    // Again, then the agent hangs up: the session ends with the call.
    const again = await h.engine.control.monitor({ supervisorId: 's1', agentId: 'a1', endpoint: 'PJSIP/sup', mode: 'monitor' });
    await waitFor(() => h.engine.control.monitorOf('s1')?.connected, 'supervisor answered again');
    h.sim.hangup(call.agentChannel);
    await waitFor(() => !h.sim.channel(again.supervisorChannel) && !h.engine.control.monitorOf('s1'), 'session ended with the call');
    await waitFor(() => h.sim.channels().length === 0 || undefined, 'no channel left');
  });

  it('refuses to monitor an agent without a call', async () => {
    h = await startHarness(config);
    await h.engine.agents.login('a1', { by: 'test' });
    await expect(h.engine.control.monitor({ supervisorId: 's1', agentId: 'a1', endpoint: 'PJSIP/sup', mode: 'monitor' })).rejects.toMatchObject({ code: 'invalid_state' });
    expect(h.sim.channels()).toHaveLength(0);
  });

  it('forces an agent state, attributed to the supervisor', async () => {
    h = await startHarness(config);
    await h.engine.agents.login('a1', { by: 'test' });
    await h.engine.control.forceState({ supervisorId: 's1', agentId: 'a1', state: 'ready' });
    await h.engine.control.forceState({ supervisorId: 's1', agentId: 'a1', state: 'not_ready', reason: 'break' });
    await expect(h.engine.control.forceState({ supervisorId: 's1', agentId: 'a1', state: 'not_ready' })).rejects.toMatchObject({ code: 'validation' });
    await h.engine.control.forceState({ supervisorId: 's1', agentId: 'a1', state: 'logged_out' });
    const statuses = (await h.events()).filter((e) => e.type === 'AgentStatus' && e.by === 'supervisor:s1');
    expect(statuses.map((e) => (e.type === 'AgentStatus' ? e.status : ''))).toEqual(['ready', 'not_ready', 'logged_out']);
  });
});

describe('outbound calls', () => {
  it('rings the agent first, then the destination, bridges them; the agent is busy throughout and wraps up after', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    h.sim.setEndpoint('PJSIP/5551234', { kind: 'answer', ringMs: 200 });
    await h.engine.agents.login('a1', { by: 'test' });
    const n = h.sim.requests.length;
    const { id } = await h.engine.control.dial({ agentId: 'a1', destination: '5551234', callerId: '"Sales" <100>', by });
    expect(await h.store.getAgent('a1')).toMatchObject({ status: 'busy', callId: id });
    const bridged = await waitFor(() => h.sim.bridges().find((b) => b.channelIds.length === 2), 'bridged');
    const created = h.sim.requests.slice(n).filter((r) => r.path === '/channels/create').map((r) => r.query.endpoint);
    expect(created).toEqual(['PJSIP/a1', 'PJSIP/5551234']);
    expect((await h.store.getControlCall(id))?.state).toBe('connected');
    expect((await h.events()).filter((e) => e.type === 'CallControl' && e.callId === id).map((e) => (e.type === 'CallControl' && 'step' in e ? e.step : ''))).toEqual(['dialing', 'ringing', 'connected']);
    // A queue call cannot reach the busy agent meanwhile, and a second dial is refused.
    await expect(h.engine.control.dial({ agentId: 'a1', destination: '5551234', by })).rejects.toMatchObject({ code: 'invalid_state' });

    h.sim.hangup(bridged.channelIds.find((c) => c.endsWith('-b'))!);
    await waitFor(() => h.sim.channels().length === 0 || undefined, 'both legs gone');
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'after_call_work', 'wrap-up');
    expect(await h.store.getControlCall(id)).toBeUndefined();
    await waitFor(() => h.sim.bridges().length === 0, 'the bridge destroyed');
  });

  it('ends when the destination is busy, and the agent can release a ringing call; refused when logged out or on a call', async () => {
    h = await startHarness(config);
    await expect(h.engine.control.dial({ agentId: 'a1', destination: '555', by })).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(h.engine.control.dial({ agentId: 'a1', destination: '55 5', by })).rejects.toMatchObject({ code: 'validation' });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    h.sim.setEndpoint('PJSIP/555', { kind: 'busy' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    await h.engine.control.dial({ agentId: 'a1', destination: '555', by });
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'after_call_work', 'wrap-up after busy');
    await waitFor(() => h.sim.channels().length === 0 || undefined, 'legs gone');

    h.sim.setEndpoint('PJSIP/a2', { kind: 'manual' });
    await h.engine.agents.login('a2', { by: 'test' });
    const { id } = await h.engine.control.dial({ agentId: 'a2', destination: '555', by });
    await waitFor(() => h.sim.channels().find((c) => c.args[0] === 'outbound'), 'agent phone ringing');
    await h.engine.control.release({ agentId: 'a2', by });
    await waitFor(() => h.sim.channels().length === 0 || undefined, 'released');
    expect(await h.store.getControlCall(id)).toBeUndefined();
    expect((await h.store.getAgent('a2'))?.status).not.toBe('busy');

    h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 100 });
    await h.engine.agents.ready('a2', { by: 'test' });
    const call = await h.waitForCall(h.sim.placeCall({ queue: 'support' }), 'connected');
    await expect(h.engine.control.dial({ agentId: 'a2', destination: '555', by })).rejects.toMatchObject({ code: 'invalid_state' });
    expect((await h.store.getCall(call.id))?.state).toBe('connected');
  });
});
