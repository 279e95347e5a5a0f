/**
 * A caller still in our app after it left its queue alive (withdraw) because its release to the
 * dialplan failed: the periodic entry repair finishes the release with the same QUEUESTATUS and
 * never queues the caller again, nor lets it take the hold (music, mute) into the dialplan.
 */
import { afterEach, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';
import { continued, onLeavingStasis, variablesSet } from './experienceHelpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('releases a withdrawn caller whose continue failed with QUEUESTATUS=WITHDRAW, never queuing it again', async () => {
  h = await startHarness({ queues: [{ id: 'sales' }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }] }, { settings: { entryRepairIntervalMs: 100 } });
  const sim = h.sim;
  const caller = sim.placeCall({ queue: 'sales', callerNumber: '5550101' });
  await h.waitForCall(caller, 'waiting');
  sim.injectFault({ method: 'POST', path: /\/continue$/, status: 503 });
  // The store took the caller out of the queue; the PBX refused to send it on.
  await expect(h.engine.calls.withdraw(caller, { by: 'supervisor:s1' })).rejects.toMatchObject({ kind: 'server' });
  expect(await h.store.getCall(caller)).toBeUndefined();
  expect(await h.store.endedCall(caller)).toEqual({ endedBy: 'left', queue: 'sales', status: 'WITHDRAW' });
  await waitFor(() => continued(sim, caller), 'the entry repair sends the caller on');
  expect(variablesSet(sim, caller).QUEUESTATUS).toBe('WITHDRAW');
  await h.engine.settled();
  const joins = (await h.events()).filter((e) => e.type === 'QueueCallerJoin' && e.callId === caller);
  expect(joins).toHaveLength(1);
  expect(await h.store.getCall(caller)).toBeUndefined();
});

it('sends such a caller on without the music its stay left on (Asterisk keeps it past Stasis)', async () => {
  h = await startHarness({ queues: [{ id: 'sales' }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }] }, { settings: { entryRepairIntervalMs: 100 } });
  const sim = h.sim;
  const caller = sim.placeCall({ queue: 'sales', callerNumber: '5550101' });
  await h.waitForCall(caller, 'waiting');
  await waitFor(() => sim.channel(caller)?.moh, 'music on hold');
  sim.injectFault({ method: 'DELETE', path: /\/moh$/, status: 503 });
  sim.injectFault({ method: 'POST', path: /\/continue$/, status: 503 });
  await expect(h.engine.calls.withdraw(caller, { by: 'supervisor:s1' })).rejects.toMatchObject({ kind: 'server' });
  expect(sim.channel(caller)?.moh).toBe('default');
  const left = await waitFor(onLeavingStasis(sim, caller), 'the entry repair sends the caller on');
  expect(left.moh).toBeFalsy();
  expect(variablesSet(sim, caller).QUEUESTATUS).toBe('WITHDRAW');
});

it('sends a caller on hold whose agent hung up on without the hold when its release failed', async () => {
  h = await startHarness({ queues: [{ id: 'survey', wrapupS: 0, continueOnAgentHangup: true }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['survey'] }] }, { settings: { entryRepairIntervalMs: 100 } });
  const sim = h.sim;
  sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 0 });
  await h.engine.agents.login('a1', { by: 'test', ready: true });
  const caller = sim.placeCall({ queue: 'survey', callerNumber: '5550101' });
  const call = await h.waitForCall(caller, 'connected');
  await h.engine.control.hold({ agentId: 'a1', by: 'test' });
  // The store ends the call; the PBX refuses to take the hold off (so the caller is not sent on).
  sim.injectFault({ method: 'DELETE', path: /\/moh$/, status: 503 });
  const leaving = onLeavingStasis(sim, caller);
  sim.hangup(call.agentChannel);
  await waitFor(async () => (await h!.store.endedCall(caller))?.endedBy === 'agent' || undefined, 'call ended by the agent');
  const left = await waitFor(leaving, 'the entry repair sends the caller on');
  expect(left.moh).toBeFalsy();
  expect(left.muted).toBeFalsy();
  expect(variablesSet(sim, caller).QUEUESTATUS).toBe('CONTINUE');
});
