/**
 * Call control across an engine restart: the next engine (same node) takes over an outbound
 * call and a transfer in progress from their Redis records, and hangs up control channels it
 * cannot know (a supervisor's phone whose session lived in the dead process's memory). Across a
 * dropped socket: a leg that answered meanwhile (its Dial ANSWER lost) moves its call on.
 */
import { afterEach, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../../helpers/acdHarness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const config = {
  queues: [{ id: 'sales', ringTimeoutS: 5, wrapupS: 1 }],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['sales'] },
  ],
};
const by = 'test';

it('a restarted engine follows outbound and transferred calls and hangs up an orphaned supervisor phone', async () => {
  h = await startHarness(config);
  for (const e of ['PJSIP/a1', 'PJSIP/a2', 'PJSIP/5551', 'PJSIP/2000', 'PJSIP/sup']) h.sim.setEndpoint(e, { kind: 'answer', ringMs: 100 });
  await h.engine.agents.login('a1', { by });
  const { id } = await h.engine.control.dial({ agentId: 'a1', destination: '5551', by });
  await waitFor(async () => (await h.store.getControlCall(id))?.state === 'connected', 'outbound connected');

  await h.engine.agents.login('a2', { by, ready: true });
  const caller = h.sim.placeCall({ queue: 'sales' });
  const call = await h.waitForCall(caller, 'connected');
  await waitFor(() => h.sim.bridges().find((b) => b.id === call.bridgeId && b.channelIds.length === 2), 'caller bridged');
  await h.engine.control.monitor({ supervisorId: 's1', agentId: 'a2', endpoint: 'PJSIP/sup', mode: 'monitor' });
  await waitFor(() => h.engine.control.monitorOf('s1')?.connected, 'supervisor listening');
  const supLeg = h.engine.control.monitorOf('s1')!.supervisorChannel;
  await h.engine.control.transfer({ agentId: 'a2', by }, { extension: '2000' });
  await waitFor(async () => (await h.store.getControlCall(`rd-${caller}`))?.state === 'connected', 'transfer answered');

  await h.engine.stop();
  const next = await h.startEngine('node-a');
  await next.engine.idle();
  // The supervisor session died with the first engine: its phone is hung up, not left on a snoop.
  await waitFor(() => !h.sim.channel(supLeg) && h.sim.channels().every((c) => c.args[0] !== 'snoop'), 'orphaned supervisor legs hung up');
  expect(h.sim.channel(caller)).toBeDefined(); // the reconcile did not re-queue the transferred caller
  expect(await h.store.getCall(caller)).toBeUndefined();

  // The new engine follows both calls: a hang-up ends each cleanly.
  const dest = h.sim.channels().find((c) => c.args[0] === 'outbound' && c.args[2] === 'dest')!;
  h.sim.hangup(dest.id);
  await waitFor(async () => (await h.store.getAgent('a1'))?.status === 'after_call_work', 'outbound ended, a1 wraps up');
  expect(await h.store.getControlCall(id)).toBeUndefined();
  h.sim.hangup(caller);
  await waitFor(async () => !(await h.store.getControlCall(`rd-${caller}`)) && h.sim.channels().length === 0, 'transfer ended, no channel left');
});

/** A ringing control leg (created by call control, its Stasis args starting with `role`, `part`). */
const ringingLeg = (role: string, part?: string) =>
  waitFor(() => h.sim.channels().find((c) => c.args[0] === role && (part === undefined || c.args[2] === part) && c.state === 'Ringing'), `${role} leg ringing`);

/**
 * The socket drops, the leg answers meanwhile, the engine reconnects. Down for 1.5 s: longer than
 * the look for a missing Dial ANSWER (src/acd/dialAnswerCheck.ts) survives, so the reconnect's
 * repair is what moves the call on.
 */
async function answeredWhileDown(legId: string): Promise<void> {
  h.sim.dropConnections({ refuseForMs: 1_500 });
  h.sim.answer(legId);
  await waitFor(() => h.sim.isConnected(), 'the engine back on the socket');
}

it("an outbound call whose agent phone, then destination, answered while the socket was down goes on after each reconnect", async () => {
  h = await startHarness(config);
  for (const e of ['PJSIP/a1', 'PJSIP/5551']) h.sim.setEndpoint(e, { kind: 'manual' });
  await h.engine.agents.login('a1', { by });
  const { id } = await h.engine.control.dial({ agentId: 'a1', destination: '5551', by });
  await answeredWhileDown((await ringingLeg('outbound', 'agent')).id);
  await answeredWhileDown((await ringingLeg('outbound', 'dest')).id);
  await waitFor(async () => (await h.store.getControlCall(id))?.state === 'connected' || undefined, 'outbound connected');
  await waitFor(() => h.sim.bridges().find((b) => b.channelIds.length === 2), 'agent and destination bridged');
});

it('a blind transfer to an extension answered while the socket was down connects after the reconnect', async () => {
  h = await startHarness(config);
  h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 50 });
  h.sim.setEndpoint('PJSIP/2000', { kind: 'manual' });
  await h.engine.agents.login('a2', { by, ready: true });
  const caller = h.sim.placeCall({ queue: 'sales' });
  await h.waitForCall(caller, 'connected');
  await h.engine.control.transfer({ agentId: 'a2', by }, { extension: '2000' });
  const dest = await ringingLeg('transfer');
  await answeredWhileDown(dest.id);
  await waitFor(async () => (await h.store.getControlCall(`rd-${caller}`))?.state === 'connected' || undefined, 'transfer connected');
  await waitFor(() => h.sim.bridges().find((b) => [caller, dest.id].every((c) => b.channelIds.includes(c))), 'caller and extension bridged');
});

it("a supervisor's phone that answered while the socket was down listens after the reconnect", async () => {
  h = await startHarness(config);
  h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 50 });
  h.sim.setEndpoint('PJSIP/sup', { kind: 'manual' });
  await h.engine.agents.login('a2', { by, ready: true });
  const caller = h.sim.placeCall({ queue: 'sales' });
  const call = await h.waitForCall(caller, 'connected');
  await h.engine.control.monitor({ supervisorId: 's1', agentId: 'a2', endpoint: 'PJSIP/sup', mode: 'monitor' });
  await answeredWhileDown((await ringingLeg('monitor')).id);
  await waitFor(() => h.engine.control.monitorOf('s1')?.connected || undefined, 'supervisor listening');
  await waitFor(() => h.sim.channels().find((c) => c.args[0] === 'snoop' && c.bridgeId), 'a snoop on the agent, bridged with the phone');
  expect(await h.store.getCall(call.id)).toMatchObject({ state: 'connected', agentId: 'a2' });
});

/** The socket drops (for 1.5 s) just before the StasisStart of the leg with these Stasis args: the engine never hears it enter. */
function loseEntryOf(role: string, part?: string): void {
  const args = (e: Record<string, unknown>) => (e.args ?? []) as string[];
  h.sim.dropConnectionsBefore((e) => e.type === 'StasisStart' && args(e)[0] === role && (part === undefined || args(e)[2] === part), { refuseForMs: 1_500 });
}

it('an outbound call whose agent leg, then destination, entered Stasis unheard (the socket dropped) is dialed after each reconnect', async () => {
  h = await startHarness(config);
  for (const e of ['PJSIP/a1', 'PJSIP/5551']) h.sim.setEndpoint(e, { kind: 'answer', ringMs: 50 });
  await h.engine.agents.login('a1', { by });
  loseEntryOf('outbound', 'agent');
  loseEntryOf('outbound', 'dest');
  const { id } = await h.engine.control.dial({ agentId: 'a1', destination: '5551', by });
  await waitFor(async () => (await h.store.getControlCall(id))?.state === 'connected' || undefined, 'outbound connected');
  await waitFor(() => h.sim.bridges().find((b) => b.channelIds.length === 2), 'agent and destination bridged');
});

it('a blind transfer whose destination entered Stasis unheard (the socket dropped) is dialed after the reconnect', async () => {
  h = await startHarness(config);
  h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 50 });
  h.sim.setEndpoint('PJSIP/2000', { kind: 'answer', ringMs: 50 });
  await h.engine.agents.login('a2', { by, ready: true });
  const caller = h.sim.placeCall({ queue: 'sales' });
  await h.waitForCall(caller, 'connected');
  loseEntryOf('transfer');
  await h.engine.control.transfer({ agentId: 'a2', by }, { extension: '2000' });
  await waitFor(async () => (await h.store.getControlCall(`rd-${caller}`))?.state === 'connected' || undefined, 'transfer connected');
  await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(caller) && b.channelIds.length === 2), 'caller and extension bridged');
});

it("a supervisor's phone that entered Stasis unheard (the socket dropped) is dialed after the reconnect and listens", async () => {
  h = await startHarness(config);
  h.sim.setEndpoint('PJSIP/a2', { kind: 'answer', ringMs: 50 });
  h.sim.setEndpoint('PJSIP/sup', { kind: 'answer', ringMs: 50 });
  await h.engine.agents.login('a2', { by, ready: true });
  const caller = h.sim.placeCall({ queue: 'sales' });
  await h.waitForCall(caller, 'connected');
  loseEntryOf('monitor');
  await h.engine.control.monitor({ supervisorId: 's1', agentId: 'a2', endpoint: 'PJSIP/sup', mode: 'monitor' });
  await waitFor(() => h.engine.control.monitorOf('s1')?.connected || undefined, 'supervisor listening');
  await waitFor(() => h.sim.channels().find((c) => c.args[0] === 'snoop' && c.bridgeId), 'a snoop on the agent, bridged with the phone');
});
