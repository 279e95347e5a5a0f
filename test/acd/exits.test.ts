/**
 * Queue exits end to end (simulator + engine + Redis): every way a caller leaves a queue alive
 * continues it in the dialplan with QUEUESTATUS, or moves it to the overflow queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config.js';
import { startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';
import { continued, requestsFor, variablesSet } from './experienceHelpers.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function readyAgent(agentId: string) {
  await h.engine.agents.login(agentId, { by: 'test' });
  await h.engine.agents.ready(agentId, { by: 'test' });
}

async function queued(opts: { queue: string; callerNumber?: string }) {
  const caller = h.sim.placeCall({ callerNumber: '5550100', ...opts });
  await waitFor(() => h.store.getCall(caller), 'call queued');
  return caller;
}

const statusOf = (caller: string) => waitFor(() => (continued(h.sim, caller) ? variablesSet(h.sim, caller).QUEUESTATUS : undefined), `${caller} back in the dialplan`);

const agents = (queues: string[]): ConfigFile['agents'] => [
  { id: 'a1', endpoint: 'PJSIP/a1', queues },
  { id: 'a2', endpoint: 'PJSIP/a2', queues },
];

describe('joining refused', () => {
  it('FULL: beyond maxLen the caller is not answered and continues with QUEUESTATUS=FULL', async () => {
    h = await startHarness({ queues: [{ id: 'sales', maxLen: 1 }], agents: agents(['sales']) });
    const first = await queued({ queue: 'sales' });
    const second = h.sim.placeCall({ queue: 'sales', callerNumber: '5550101' });
    expect(await statusOf(second)).toBe('FULL');
    expect(requestsFor(h.sim, second)).not.toContain('POST /answer');
    expect(await h.store.getCall(second)).toBeUndefined();
    expect((await h.store.getCall(first))?.state).toBe('waiting');
    expect((await h.events()).filter((e) => e.type === 'QueueCallerJoin').map((e) => e.callId)).toEqual([first]);
  });

  it('JOINEMPTY: nobody logged in refuses; once an agent is logged in (even not ready) callers join', async () => {
    h = await startHarness({ queues: [{ id: 'sales', joinEmpty: ['unavailable'] }], agents: agents(['sales']) });
    const refused = h.sim.placeCall({ queue: 'sales' });
    expect(await statusOf(refused)).toBe('JOINEMPTY');
    await h.engine.agents.login('a1', { by: 'test' });
    const accepted = await queued({ queue: 'sales' });
    expect((await h.store.getCall(accepted))?.state).toBe('waiting');
  });

  it('a full queue with an overflow queue sends the caller there instead', async () => {
    h = await startHarness({ queues: [{ id: 'sales', maxLen: 1, overflowQueue: 'backup' }, { id: 'backup', musicClass: 'jazz' }], agents: agents(['sales']) });
    await queued({ queue: 'sales' });
    const second = h.sim.placeCall({ queue: 'sales' });
    const call = await waitFor(() => h.store.getCall(second), 'queued in backup');
    expect(call.queue).toBe('backup');
    await waitFor(() => h.sim.channel(second)?.moh === 'jazz', 'backup music');
    expect(continued(h.sim, second)).toBe(false);
  });
});

describe('leaving while waiting', () => {
  it('TIMEOUT: after the max wait the caller continues in the dialplan with QUEUESTATUS=TIMEOUT', async () => {
    h = await startHarness({ queues: [{ id: 'sales', timeoutS: 1 }], agents: agents(['sales']) });
    const caller = await queued({ queue: 'sales' });
    const joinedAt = Date.now();
    expect(await statusOf(caller)).toBe('TIMEOUT');
    expect(Date.now() - joinedAt).toBeGreaterThanOrEqual(800);
    const leave = await h.waitForEvent((e) => e.type === 'QueueCallerLeave' && e.callId === caller);
    expect(leave).toMatchObject({ reason: 'TIMEOUT', queue: 'sales' });
    // The continue hangs the simulated caller up: that is no abandon.
    await waitFor(() => !h.sim.channel(caller), 'caller gone');
    await h.engine.idle();
    expect((await h.events()).some((e) => e.type === 'QueueCallerAbandon')).toBe(false);
    expect(await h.store.listCalls()).toEqual([]);
  });

  it('TIMEOUT while an agent rings: the offer ends, the agent is ready again, its leg hung up', async () => {
    h = await startHarness({ queues: [{ id: 'sales', timeoutS: 1, ringTimeoutS: 30 }], agents: agents(['sales']) });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await readyAgent('a1');
    const caller = h.sim.placeCall({ queue: 'sales' });
    const offered = await h.waitForCall(caller, 'offering');
    expect(await statusOf(caller)).toBe('TIMEOUT');
    await waitFor(() => !h.sim.channel(offered.agentChannel), 'agent leg hung up');
    await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'ready', 'agent ready');
  });

  it('TIMEOUT with an overflow queue: the caller moves there keeping its priority, and an agent there takes it', async () => {
    h = await startHarness({
      queues: [{ id: 'sales', timeoutS: 1, overflowQueue: 'backup' }, { id: 'backup' }],
      agents: [{ id: 'b1', endpoint: 'PJSIP/b1', queues: ['backup'] }],
    });
    h.sim.setEndpoint('PJSIP/b1', { kind: 'answer', ringMs: 200 });
    const caller = h.sim.placeCall({ queue: 'sales', args: ['sales', 'priority=7'] });
    await h.waitForEvent((e) => e.type === 'QueueCallerJoin' && e.queue === 'backup' && e.callId === caller, 5000);
    const moved = await h.store.getCall(caller);
    expect(moved).toMatchObject({ queue: 'backup', priority: 7, state: 'waiting' });
    await readyAgent('b1');
    const call = await h.waitForCall(caller, 'connected');
    expect(call.agentId).toBe('b1');
    expect(continued(h.sim, caller)).toBe(false);
  });

  it('LEAVEEMPTY: the only agent goes not ready (paused counts as absent), the waiting caller leaves with QUEUESTATUS=LEAVEEMPTY', async () => {
    h = await startHarness({ queues: [{ id: 'sales', leaveWhenEmpty: ['unavailable', 'paused'], leaveEmptyCheckS: 1 }], agents: agents(['sales']) });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await readyAgent('a1');
    const caller = await queued({ queue: 'sales' });
    // The agent is offered the call (in use: present), rejects it, then goes on a break.
    const offered = await h.waitForCall(caller, 'offering');
    await waitFor(() => h.sim.channel(offered.agentChannel)?.state === 'Ringing', 'agent ringing');
    h.sim.hangup(offered.agentChannel, 21);
    await h.waitForCall(caller, 'waiting');
    await h.engine.agents.notReady('a1', { reason: 'lunch', by: 'test' });
    expect(await statusOf(caller)).toBe('LEAVEEMPTY');
  });

  it('LEAVEEMPTY is not triggered while an agent is logged in and ready or busy', async () => {
    h = await startHarness({ queues: [{ id: 'sales', leaveWhenEmpty: ['unavailable'], leaveEmptyCheckS: 1 }], agents: agents(['sales']) });
    await h.engine.agents.login('a2', { by: 'test' }); // not ready but logged in
    const caller = await queued({ queue: 'sales' });
    await waitFor(async () => (await h.completedTimers()).some((id) => id.startsWith(`caller__leaveEmpty__${caller}__`)), 'a leave-empty check');
    expect(continued(h.sim, caller)).toBe(false);
    expect((await h.store.getCall(caller))?.state).toBe('waiting');
    await h.engine.agents.logout('a2', { by: 'test' });
    expect(await statusOf(caller)).toBe('LEAVEEMPTY');
  });

  it('EXITWITHKEY: the configured key leaves; other digits do nothing', async () => {
    h = await startHarness({ queues: [{ id: 'sales', exitKey: '0' }], agents: agents(['sales']) });
    const caller = await queued({ queue: 'sales' });
    await waitFor(() => h.sim.channel(caller)?.moh, 'music');
    h.sim.sendDtmf(caller, '5');
    await h.eventsHandled();
    expect(continued(h.sim, caller)).toBe(false);
    h.sim.sendDtmf(caller, '0');
    expect(await statusOf(caller)).toBe('EXITWITHKEY');
    expect(requestsFor(h.sim, caller)).toContain('DELETE /moh');
  });

  it('WITHDRAW by command; a connected call cannot be withdrawn and an unknown one is not found', async () => {
    h = await startHarness({ queues: [{ id: 'sales' }], agents: agents(['sales']) });
    const caller = await queued({ queue: 'sales' });
    await h.engine.calls.withdraw(caller, { by: 'supervisor:s1' });
    expect(await statusOf(caller)).toBe('WITHDRAW');
    await expect(h.engine.calls.withdraw(caller, { by: 'supervisor:s1' })).rejects.toMatchObject({ code: 'call_not_found' });

    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    await readyAgent('a1');
    const talking = h.sim.placeCall({ queue: 'sales' });
    await h.waitForCall(talking, 'connected');
    await expect(h.engine.calls.withdraw(talking, { by: 'supervisor:s1' })).rejects.toMatchObject({ code: 'invalid_state' });
    expect((await h.store.getCall(talking))?.state).toBe('connected');
  });
});

describe('abandoned-resume', () => {
  it('a caller who hangs up and calls back within the window gets its old place', async () => {
    h = await startHarness({ queues: [{ id: 'sales', resumeWindowS: 60 }], agents: agents(['sales']) });
    const first = await queued({ queue: 'sales', callerNumber: '111' });
    await queued({ queue: 'sales', callerNumber: '222' });
    await queued({ queue: 'sales', callerNumber: '333' });
    h.sim.hangup(first);
    await h.waitForEvent((e) => e.type === 'QueueCallerAbandon' && e.callId === first);
    const again = await queued({ queue: 'sales', callerNumber: '111' });
    const join = await h.waitForEvent((e) => e.type === 'QueueCallerJoin' && e.callId === again);
    expect(join).toMatchObject({ position: 1, resumed: true });
    expect((await h.store.waitingCalls('sales')).map((c) => c.callerNumber)).toEqual(['111', '222', '333']);
    // Someone else calling later is behind them all.
    const other = await queued({ queue: 'sales', callerNumber: '444' });
    expect((await h.store.waitingCalls('sales')).at(-1)?.id).toBe(other);
  });
});
