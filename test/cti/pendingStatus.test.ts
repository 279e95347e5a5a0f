/**
 * Pending status: an agent on a call asks for not ready / ready / after-call work; the engine
 * accepts it, shows it (AgentPendingStatus, the snapshot's `pending`, the CTI `agent.state`) and
 * applies it when the call ends instead of the normal wrap-up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdEvent } from '../../src/domain/events.js';
import { startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';

const config = {
  queues: [{ id: 'sales', ringTimeoutS: 5, wrapupS: 1 }],
  agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }],
  reasons: { notReady: [{ code: 'break', label: 'Break' }], logout: [] },
};

let h: Harness;
afterEach(async () => h?.close());

const statusOf = async () => (await h.store.getAgent('a1'))!;
const statusesOf = (events: AcdEvent[]) => events.filter((e) => e.type === 'AgentStatus' && e.agentId === 'a1').map((e) => (e.type === 'AgentStatus' ? `${e.status}:${e.reason}` : ''));
const until = (status: string, reason = '') => waitFor(async () => ((await statusOf()).status === status && (await statusOf()).reason === reason) || undefined, `a1 ${status} ${reason}`);

describe('status asked for the end of the call', () => {
  it('not ready during a call: accepted, shown, and applied when the caller hangs up (no wrap-up)', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall();
    const agent = await h.engine.agents.notReady('a1', { reason: 'break', by: 'agent' });
    expect(agent).toMatchObject({ status: 'busy', pending: { status: 'not_ready', reason: 'break' } });
    expect(await h.waitForEvent((e) => e.type === 'AgentPendingStatus')).toMatchObject({ agentId: 'a1', status: 'busy', pending: 'not_ready', reason: 'break', callId: call.id, by: 'agent' });

    h.sim.hangup(call.callerChannel);
    await until('not_ready', 'break');
    const after = await statusOf();
    expect(after.pending).toBeUndefined();
    expect(after.callId).toBe('');
    const statuses = statusesOf(await h.events());
    expect(statuses.slice(-2)).toEqual(['busy:', 'not_ready:break']);
    expect(statuses).not.toContain('after_call_work:');
  });

  it('ready during a call skips the wrap-up; the latest request wins', async () => {
    h = await startHarness(config);
    const call = await h.connectedCall();
    await h.engine.agents.notReady('a1', { reason: 'break', by: 'agent' });
    expect((await h.engine.agents.ready('a1', { by: 'agent' })).pending).toEqual({ status: 'ready', reason: '' });
    h.sim.hangup(call.callerChannel);
    await until('ready');
    expect(statusesOf(await h.events())).not.toContain('after_call_work:');
  });

  it('after-call work during a call: wrap-up when the call ends, then ready on the timer', async () => {
    h = await startHarness({ ...config, queues: [{ id: 'sales', ringTimeoutS: 5, wrapupS: 0 }], agents: [{ ...config.agents[0], wrapupS: 1 }] });
    const call = await h.connectedCall();
    expect(await h.engine.control.afterCallWork('a1', 'agent')).toMatchObject({ status: 'busy', pending: { status: 'after_call_work', reason: '' } });
    h.sim.hangup(call.callerChannel);
    await until('after_call_work');
    await until('ready');
  });

  it('applies on an offer that ends before it is answered, and is dropped by a ring-no-answer', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    const caller = h.sim.placeCall({ queue: 'sales' });
    await waitFor(async () => (await statusOf()).status === 'ringing' || undefined, 'a1 ringing');
    await h.engine.agents.notReady('a1', { reason: 'break', by: 'agent' });
    h.sim.hangup(caller);
    await until('not_ready', 'break');
  });

  it('applies when the offered phone is busy, without the busy back-off', async () => {
    h = await startHarness(config);
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    const caller = h.sim.placeCall({ queue: 'sales' });
    const offered = await waitFor(async () => ((await statusOf()).status === 'ringing' && (await h.store.getCall(caller))) || undefined, 'a1 ringing');
    await h.engine.agents.notReady('a1', { reason: 'break', by: 'agent' });
    h.sim.hangup(offered.agentChannel, 17); // user busy
    await h.waitForEvent((e) => e.type === 'AgentRingNoAnswer');
    await until('not_ready', 'break');
    expect(await h.redis.hget(h.store.keys.agent('a1'), 'availableAt')).toBeNull();
  });

  it('logout during a call is still refused and changes nothing', async () => {
    h = await startHarness(config);
    await h.connectedCall();
    const before = await h.events();
    await expect(h.engine.agents.logout('a1', { by: 'agent' })).rejects.toMatchObject({ code: 'invalid_state' });
    expect(await h.events()).toHaveLength(before.length);
    expect((await statusOf()).pending).toBeUndefined();
  });

  it('asking the same again changes nothing', async () => {
    h = await startHarness(config);
    await h.connectedCall();
    await h.engine.agents.notReady('a1', { reason: 'break', by: 'agent' });
    const before = (await h.events()).length;
    await h.engine.agents.notReady('a1', { reason: 'break', by: 'agent' });
    expect(await h.events()).toHaveLength(before);
  });
});
