/**
 * ringInUse (app_queue ringinuse) end to end: simulator (endpoint subscription, EndpointStateChange,
 * GET /endpoints) → ari-client adapter → engine (src/acd/deviceState.ts) → Redis. An agent whose
 * phone is busy with a call outside the ACD is skipped by ringInUse false queues and offered again
 * once that call ends; ringInUse true (the default) ignores the phone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { closeHealthy, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';

const config = {
  queues: [
    { id: 'strict', ringTimeoutS: 3, wrapupS: 0, ringInUse: false },
    { id: 'solo', ringTimeoutS: 3, wrapupS: 0, ringInUse: false },
    { id: 'lenient', ringTimeoutS: 3, wrapupS: 0 },
  ],
  agents: [
    { id: 'a1', endpoint: 'PJSIP/a1', queues: ['strict'] },
    { id: 'a2', endpoint: 'PJSIP/a2', queues: ['strict'] },
    { id: 'a3', endpoint: 'PJSIP/a3', queues: ['solo'] },
    { id: 'a4', endpoint: 'PJSIP/a4', queues: ['lenient'] },
  ],
};

let h: Harness;
afterEach(() => closeHealthy(h));

async function start() {
  h = await startHarness(config);
  // Agents answer after 1 s (simulated) and talk until hung up.
  for (const a of ['a1', 'a2', 'a3', 'a4']) h.sim.setEndpoint(`PJSIP/${a}`, { kind: 'answer', ringMs: 1000 });
}

const login = (agentId: string) => h.engine.agents.login(agentId, { by: 'test', ready: true });
const deviceInUse = async (agentId: string) => (await h.store.getAgent(agentId))?.deviceInUse;
const waitDevice = (agentId: string, inUse: boolean) => waitFor(async () => (await deviceInUse(agentId)) === inUse, `${agentId} device ${inUse ? 'in use' : 'free'}`);
const subscriptions = (from = 0) =>
  h.sim.requests.slice(from).filter((r) => r.method === 'POST' && r.path === '/applications/acd/subscription').map((r) => r.query.eventSource ?? (r.body as { eventSource?: string } | null)?.eventSource);

describe('ringInUse false', () => {
  it('skips an agent already on a direct call at login: the next agent gets the caller, the busy one stays ready', async () => {
    await start();
    const direct = h.sim.placeDirectCall('PJSIP/a1', { number: '2000' });
    await login('a1'); // longest idle: would be offered first
    await login('a2');
    expect(subscriptions()).toEqual(expect.arrayContaining(['endpoint:PJSIP/a1', 'endpoint:PJSIP/a2']));
    expect(await deviceInUse('a1')).toBe(true); // read at login (GET /endpoints/PJSIP/a1)

    const caller = h.sim.placeCall({ queue: 'strict', callerNumber: '5551' });
    const call = await h.waitForCall(caller, 'connected');
    expect(call.agentId).toBe('a2');
    expect((await h.store.getAgent('a1'))?.status).toBe('ready');
    expect((await h.events()).filter((e) => e.type === 'AgentCalled').map((e) => e.type === 'AgentCalled' && e.agentId)).toEqual(['a2']);
    h.sim.hangup(direct);
    await waitDevice('a1', false);
  });

  it('lets the caller wait while the only agent is busy outside the ACD, then offers it once the direct call ends', async () => {
    await start();
    await login('a3');
    const direct = h.sim.placeDirectCall('PJSIP/a3');
    await waitDevice('a3', true); // from EndpointStateChange
    const caller = h.sim.placeCall({ queue: 'solo', callerNumber: '5552' });
    await h.waitForCall(caller, 'waiting');
    await h.engine.settled(); // the router has looked at the caller
    expect((await h.store.getCall(caller))?.state).toBe('waiting');
    expect((await h.events()).some((e) => e.type === 'AgentCalled')).toBe(false);

    h.sim.hangup(direct); // the router is kicked when the phone is free again
    const call = await h.waitForCall(caller, 'connected');
    expect(call.agentId).toBe('a3');
    const device = (await h.events()).filter((e) => e.type === 'AgentDeviceState');
    expect(device).toEqual([expect.objectContaining({ agentId: 'a3', inUse: true }), expect.objectContaining({ agentId: 'a3', inUse: false })]);
  });

  it("does not count the agent's own ACD leg as in use", async () => {
    await start();
    await login('a3');
    const caller = h.sim.placeCall({ queue: 'solo' });
    const call = await h.waitForCall(caller, 'connected');
    // The agent leg is a channel on PJSIP/a3 (EndpointStateChange listed it), yet the flag stays clear.
    expect(h.sim.channel(call.agentChannel)?.name).toMatch(/^PJSIP\/a3-/);
    // The store says connected before the bridge: an agent hanging up before it would send the
    // caller back to the queue (bridging.ts), not end the call.
    await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(caller) && b.channelIds.length === 2), 'bridged');
    await h.engine.idle();
    expect(await deviceInUse('a3')).toBe(false);
    h.sim.hangup(call.agentChannel);
    await waitFor(async () => (await h.store.getAgent('a3'))?.status === 'ready', 'a3 ready again');
    const next = h.sim.placeCall({ queue: 'solo' });
    expect((await h.waitForCall(next, 'connected')).agentId).toBe('a3');
    expect((await h.events()).some((e) => e.type === 'AgentDeviceState')).toBe(false);
  });

  it("does not count the legs of the agent's own outbound call (a control call) as in use", async () => {
    await start();
    h.sim.setEndpoint('PJSIP/5551234', { kind: 'answer', ringMs: 1000 });
    await login('a3');
    const { id } = await h.engine.control.dial({ agentId: 'a3', destination: '5551234', by: 'agent' });
    const bridged = await waitFor(() => h.sim.bridges().find((b) => b.channelIds.length === 2), 'outbound call bridged');
    await h.engine.idle();
    expect(await deviceInUse('a3')).toBe(false);
    h.sim.hangup(bridged.channelIds.find((c) => c.endsWith('-b'))!);
    await waitFor(async () => (await h.store.getControlCall(id)) === undefined, 'outbound call over');
    await h.engine.idle();
    expect((await h.events()).some((e) => e.type === 'AgentDeviceState')).toBe(false);
  });

  it('re-subscribes after a reconnect and reconciles a change it missed meanwhile', async () => {
    await start();
    await login('a3');
    const before = h.sim.requests.length;
    h.sim.dropConnections();
    const direct = h.sim.placeDirectCall('PJSIP/a3'); // nobody hears this EndpointStateChange
    await waitFor(() => h.sim.isConnected('acd'), 'reconnected');
    await waitDevice('a3', true); // from GET /endpoints after the reconnect
    await waitFor(() => subscriptions(before).includes('endpoint:PJSIP/a3'), 'a3 subscribed again');

    const caller = h.sim.placeCall({ queue: 'solo' });
    await h.waitForCall(caller, 'waiting');
    h.sim.hangup(direct);
    expect((await h.waitForCall(caller, 'connected')).agentId).toBe('a3');
  });
});

describe('ringInUse true (default)', () => {
  it('still offers an agent whose phone is busy outside the ACD', async () => {
    await start();
    await login('a4');
    h.sim.placeDirectCall('PJSIP/a4');
    await waitDevice('a4', true);
    const caller = h.sim.placeCall({ queue: 'lenient' });
    expect((await h.waitForCall(caller, 'connected')).agentId).toBe('a4');
  });
});
