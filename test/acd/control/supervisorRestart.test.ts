/**
 * Supervisor sessions across an engine restart (simulator over ARI + real Redis): the session is
 * kept in Redis, so the next engine (same node) takes it up with the supervisor still listening,
 * or ends it cleanly (phones hung up, an event for the console) when its call went meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../../helpers/acdHarness.js';
import type { SupervisorSession } from '../../../src/domain/controlCall.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const config = {
  queues: [{ id: 'sales', ringTimeoutS: 5, wrapupS: 1 }],
  agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }],
};
const by = 'test';

async function monitored(mode: 'monitor' | 'whisper' | 'barge') {
  h = await startHarness(config);
  for (const e of ['PJSIP/a1', 'PJSIP/sup']) h.sim.setEndpoint(e, { kind: 'answer', ringMs: 50 });
  await h.engine.agents.login('a1', { by, ready: true });
  const caller = h.sim.placeCall({ queue: 'sales' });
  const call = await h.waitForCall(caller, 'connected');
  await waitFor(() => h.sim.bridges().find((b) => b.id === call.bridgeId && b.channelIds.length === 2), 'caller bridged');
  await h.engine.control.monitor({ supervisorId: 's1', agentId: 'a1', endpoint: 'PJSIP/sup', mode });
  await waitFor(() => h.engine.control.monitorOf('s1')?.connected, 'supervisor listening');
  // The mode is applied (and recorded) just after the answer.
  await waitFor(async () => ((await h.store.getControlCall('sv-s1')) as SupervisorSession | undefined)?.connected || undefined, 'session recorded');
  await h.engine.idle();
  return { call, view: h.engine.control.monitorOf('s1')! };
}

describe('supervisor sessions across a restart', () => {
  it('monitor: the next engine takes the session up; the supervisor keeps listening and can switch and end it', async () => {
    const { call, view } = await monitored('monitor');
    const record = await h.store.getControlCall('sv-s1');
    expect(record).toMatchObject({ kind: 'supervisor', agentId: '', supervisor: 's1', agent: 'a1', callId: call.id, supervisorChannel: view.supervisorChannel, mode: 'monitor', connected: true });
    const snoop = (record as SupervisorSession).snoopChannel;
    expect(h.sim.channel(snoop)).toBeDefined();

    await h.engine.stop();
    const next = await h.startEngine('node-a');
    await next.engine.idle();
    await waitFor(() => next.engine.control.monitorOf('s1'), 'session taken up');
    expect(next.engine.control.monitorOf('s1')).toMatchObject({ agentId: 'a1', callId: call.id, mode: 'monitor', connected: true, supervisorChannel: view.supervisorChannel });
    expect(h.sim.channel(view.supervisorChannel)).toBeDefined();
    const bridge = await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(view.supervisorChannel) && b.channelIds.includes(snoop)), 'listening through the snoop');
    expect(bridge.channelIds.sort()).toEqual([snoop, view.supervisorChannel].sort());

    await next.engine.control.monitor({ supervisorId: 's1', agentId: 'a1', endpoint: '', mode: 'barge' });
    expect(h.sim.channel(view.supervisorChannel)?.bridgeId).toBe(call.bridgeId);
    expect(await h.store.getControlCall('sv-s1')).toMatchObject({ mode: 'barge' });
    await next.engine.control.endMonitor('s1');
    await waitFor(() => !h.sim.channel(view.supervisorChannel) || undefined, 'supervisor phone hung up');
    await waitFor(async () => (await h.store.getControlCall('sv-s1')) === undefined || undefined, 'record gone');
    expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a1' });
  });

  it('barge: taken up in the call bridge; the agent hanging up then ends it', async () => {
    const { call, view } = await monitored('barge');
    await h.engine.stop();
    const next = await h.startEngine('node-a');
    await next.engine.idle();
    await waitFor(() => next.engine.control.monitorOf('s1'), 'session taken up');
    expect(h.sim.channel(view.supervisorChannel)?.bridgeId).toBe(call.bridgeId);
    h.sim.hangup(call.agentChannel);
    await waitFor(() => !h.sim.channel(view.supervisorChannel) || undefined, 'supervisor phone hung up');
    expect(next.engine.control.monitorOf('s1')).toBeUndefined();
    await waitFor(async () => (await h.store.getControlCall('sv-s1')) === undefined || undefined, 'record gone');
  });

  it('a call that ended while no engine ran: the session ends cleanly with an event', async () => {
    const { call, view } = await monitored('whisper');
    await h.engine.stop();
    h.sim.hangup(call.callerChannel);
    h.sim.hangup(call.agentChannel);
    const next = await h.startEngine('node-a');
    await next.engine.idle();
    await waitFor(() => h.sim.channels().length === 0 || undefined, 'supervisor phone and snoop hung up');
    expect(next.engine.control.monitorOf('s1')).toBeUndefined();
    await waitFor(async () => (await h.store.getControlCall('sv-s1')) === undefined || undefined, 'record gone');
    const events = await h.events();
    const own = events.filter((e) => e.type === 'CallControl' && e.callId === 'sv-s1').map((e) => (e.type === 'CallControl' && 'step' in e ? e.step : ''));
    // The console hears of the end: on the call while the store still has it (the reconcile ends it
    // after), else through the session's own record.
    const onCall = events.some((e) => e.type === 'CallControl' && e.callId === call.id && e.action === 'monitor' && e.step === 'ended');
    expect(onCall ? own : own.filter((d) => d !== 'gone')).toEqual(['dialing', 'ended']);
    expect(onCall || own.includes('gone')).toBe(true);
    expect(view.callId).toBe(call.id);
  });
});
