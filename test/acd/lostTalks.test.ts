/**
 * Redis comes back empty (no persistence, or a replica that lagged took over) while callers talk:
 * the next engine leaves each talk going until one side hangs up, then hangs up the other; a
 * caller whose agent hung up meanwhile is released, not queued a second time.
 */
import { afterEach, expect, it } from 'vitest';
import { applyConfig } from '../../src/app.js';
import { resolveConfigFile } from '../../src/config.js';
import { dropTenant } from '../../src/store/dropTenant.js';
import { ariConnects, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const config = {
  queues: [{ id: 'sales', ringTimeoutS: 30, wrapupS: 0 }],
  agents: ['a1', 'a2', 'a3'].map((id) => ({ id, endpoint: `PJSIP/${id}`, queues: ['sales'] })),
};

const bridgedTogether = (a: string, b: string) => {
  const [x, y] = [h.sim.channel(a), h.sim.channel(b)];
  return x?.bridgeId !== undefined && x.bridgeId === y?.bridgeId;
};

/** The periodic repair's passes so far (each lists the app's channels). */
const repairPasses = () => h.sim.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/applications/')).length;
const REPAIR_EVERY_MS = 50;

/** Returns once the periodic repair has run `n` more passes (it acts on a channel unknown on two in a row). */
async function repairPassesRun(n: number) {
  const before = repairPasses();
  await waitFor(() => repairPasses() >= before + n, `${n} repair passes`);
}

/** A running engine, a1 talking to a caller, then the tenant's data gone under it (the configuration written again). */
async function talkWhoseRecordRedisLoses() {
  h = await startHarness(config, { settings: { entryRepairIntervalMs: REPAIR_EVERY_MS } });
  const call = await h.connectedCall('a1', 'sales', '5550001');
  await dropTenant(h.redis, h.tenant);
  await applyConfig(h.store, resolveConfigFile(config));
  return call;
}

it('an empty Redis under talking calls: each talk goes on until one side hangs up, then the other is hung up; a caller whose agent left is released', async () => {
  h = await startHarness(config, { settings: { entryRepairIntervalMs: REPAIR_EVERY_MS } });
  const callerHangsUp = await h.connectedCall('a1', 'sales', '5550001');
  const agentHangsUp = await h.connectedCall('a2', 'sales', '5550002');
  const agentGone = await h.connectedCall('a3', 'sales', '5550003');

  // The engine stops; meanwhile a3 hangs up and Redis loses everything (the configuration is
  // written again at the next start, as startAcd does on an empty Redis).
  await h.engine.stop();
  h.sim.hangup(agentGone.agentChannel, 16);
  await dropTenant(h.redis, h.tenant);
  await applyConfig(h.store, resolveConfigFile(config));
  const next = await h.startEngine('node-a');
  await next.engine.idle();
  // The periodic repair, which acts on channels unknown to Redis, leaves the talks alone too.
  await repairPassesRun(3);

  // Both talks go on: nobody queued again, no leg hung up.
  expect(next.engine.unrecordedTalks()).toBe(2);
  expect(bridgedTogether(callerHangsUp.callerChannel, callerHangsUp.agentChannel)).toBe(true);
  expect(bridgedTogether(agentHangsUp.callerChannel, agentHangsUp.agentChannel)).toBe(true);
  expect(await h.store.getCall(callerHangsUp.id)).toBeUndefined();
  expect(h.sim.channel(callerHangsUp.callerChannel)?.moh).toBeUndefined();
  // The caller whose agent hung up while the engine was away: released, not waiting again.
  await waitFor(() => h.sim.channel(agentGone.callerChannel) === undefined, 'caller of the ended talk hung up');
  expect(await h.store.getCall(agentGone.id)).toBeUndefined();

  // One side hangs up: the other follows, and the bridge goes.
  h.sim.hangup(callerHangsUp.callerChannel, 16);
  await waitFor(() => h.sim.channel(callerHangsUp.agentChannel) === undefined, 'agent leg hung up after its caller');
  h.sim.hangup(agentHangsUp.agentChannel, 16);
  await waitFor(() => h.sim.channel(agentHangsUp.callerChannel) === undefined, 'caller hung up after its agent');
  await waitFor(() => !h.sim.bridges().some((b) => b.id === callerHangsUp.bridgeId || b.id === agentHangsUp.bridgeId), 'bridges destroyed');
  expect(next.engine.unrecordedTalks()).toBe(0);
});

it('calls Redis lost while the engine runs (a replica that lagged took over): the periodic repair leaves the talk going', async () => {
  const call = await talkWhoseRecordRedisLoses();
  await repairPassesRun(3);
  expect(bridgedTogether(call.callerChannel, call.agentChannel)).toBe(true);
  expect(await h.store.getCall(call.id)).toBeUndefined();
  h.sim.hangup(call.agentChannel, 16);
  await waitFor(() => h.sim.channel(call.callerChannel) === undefined, 'caller hung up after its agent');
});

it('a talk Redis lost while the engine runs whose agent hangs up before the repair saw the pair: its caller is released, not queued again', async () => {
  const call = await talkWhoseRecordRedisLoses();
  h.sim.hangup(call.agentChannel, 16);
  await waitFor(() => h.sim.channel(call.callerChannel) === undefined, 'caller hung up after its agent');
  expect(await h.store.getCall(call.id)).toBeUndefined();
  expect(await h.store.callIdByChannel(call.callerChannel)).toBeUndefined();
});

it('a kept talk whose both sides hang up while the ARI socket is down is forgotten at the reconnect', async () => {
  const call = await talkWhoseRecordRedisLoses();
  await repairPassesRun(3);
  expect(h.engine.unrecordedTalks()).toBe(1);
  const connects = () => ariConnects(h.sim);
  const before = connects();
  h.sim.dropConnections({ refuseForMs: 300 });
  h.sim.hangup(call.callerChannel, 16);
  h.sim.hangup(call.agentChannel, 16);
  await waitFor(() => connects() > before || undefined, 'the reconnect');
  await h.engine.settled();
  expect(h.engine.unrecordedTalks()).toBe(0);
});

it('the agent of a kept talk who logs in again is offered no call until the talk ends', async () => {
  const call = await talkWhoseRecordRedisLoses();
  await repairPassesRun(3);
  expect(h.engine.unrecordedTalks()).toBe(1);
  await h.engine.agents.login('a1', { by: 'test', ready: true });
  const ringsOfA1 = () => h.sim.requests.filter((r) => r.method === 'POST' && r.path === '/channels' && r.query.endpoint === 'PJSIP/a1').length;
  const before = ringsOfA1();
  const next = h.sim.placeCall({ queue: 'sales', callerNumber: '5550009' });
  await h.waitForCall(next, 'waiting');
  await h.engine.settled();
  expect(ringsOfA1()).toBe(before);
  expect(await h.store.getAgent('a1')).toMatchObject({ status: 'ready', lostTalk: `node-a|${call.agentChannel}` });
  // The talk ends: a1 takes the waiting caller.
  h.sim.hangup(call.callerChannel, 16);
  expect(await h.waitForCall(next, 'connected')).toMatchObject({ agentId: 'a1' });
  expect(h.engine.unrecordedTalks()).toBe(0);
  // The pages and streams were told (AgentLostTalk), once each way.
  const told = (await h.events()).filter((e) => e.type === 'AgentLostTalk');
  expect(told).toEqual([expect.objectContaining({ agentId: 'a1', talking: true }), expect.objectContaining({ agentId: 'a1', talking: false })]);
});

it('an agent whose kept talk ended while no engine ran is offered calls again once an engine is back', async () => {
  const call = await talkWhoseRecordRedisLoses();
  await repairPassesRun(3);
  await h.engine.agents.login('a1', { by: 'test', ready: true });
  expect((await h.store.getAgent('a1'))?.lostTalk).toBe(`node-a|${call.agentChannel}`);
  await h.engine.stop();
  h.sim.hangup(call.callerChannel, 16);
  h.sim.hangup(call.agentChannel, 16);
  const next = await h.startEngine('node-a');
  await next.engine.idle();
  expect((await h.store.getAgent('a1'))?.lostTalk).toBeUndefined();
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550009' });
  expect(await h.waitForCall(caller, 'connected')).toMatchObject({ agentId: 'a1' });
});
