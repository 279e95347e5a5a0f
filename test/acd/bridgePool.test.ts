/**
 * Call bridges kept between calls (src/acd/bridgePool.ts): a plain call's bridge serves the next
 * call once both parties left it; a bridge anything else used is destroyed with its call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BridgePool } from '../../src/acd/bridgePool.js';
import type { Pbx } from '../../src/pbx/port.js';
import { closeHealthy, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';

let h: Harness | undefined;
afterEach(async () => {
  await closeHealthy(h);
  h = undefined;
});

const bridgeMade = (r: { method: string; path: string }) => r.method === 'POST' && /^\/bridges\/[^/]+$/.test(r.path);
const bridgeDestroyed = (r: { method: string; path: string }) => r.method === 'DELETE' && r.path.startsWith('/bridges/');

/**
 * Every ChannelEnteredBridge of the current harness's PBX, with the bridge's channels then: the
 * talks here last ~50 ms, which polling the bridges can miss on a loaded machine (it did in CI).
 */
let entries: { bridgeId: string; channels: string[] }[] = [];

async function talkedAndEnded(caller: string): Promise<string> {
  const bridged = await waitFor(() => entries.find((e) => e.channels.includes(caller) && e.channels.length === 2), 'bridged');
  await waitFor(() => !h!.sim.channel(caller), 'caller hung up after the agent');
  expect(entries.filter((e) => e.channels.includes(caller)).every((e) => e.bridgeId === bridged.bridgeId)).toBe(true);
  return bridged.bridgeId;
}

/** One agent who answers at once and talks briefly, in queue `sales` (with `record` when asked), logged in ready. */
async function oneAgent(record = false): Promise<Harness> {
  const harness = await startHarness({ queues: [{ id: 'sales', wrapupS: 0, ...(record ? { record: { format: 'wav' as const } } : {}) }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }] });
  entries = [];
  harness.sim.onEvent((e) => {
    if (e.type !== 'ChannelEnteredBridge') return;
    const bridge = e.bridge as { id: string; channels: string[] };
    entries.push({ bridgeId: bridge.id, channels: [...bridge.channels] });
  });
  harness.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 0, talkMs: 500 });
  await harness.engine.agents.login('a1', { by: 'test', ready: true });
  return harness;
}

const agentReady = () => waitFor(async () => (await h!.store.getAgent('a1'))?.status === 'ready', 'agent ready');

describe('call bridges kept between calls', () => {
  it("bridges the next call in the bridge of the last one, once its parties left, and destroys none", async () => {
    h = await oneAgent();
    const first = await talkedAndEnded(h.sim.placeCall({ queue: 'sales', callerNumber: '100' }));
    await waitFor(() => h!.sim.bridges().find((b) => b.id === first && b.channelIds.length === 0), 'first bridge empty');
    await agentReady();

    const second = await talkedAndEnded(h.sim.placeCall({ queue: 'sales', callerNumber: '200' }));
    expect(second).toBe(first);
    expect(h.sim.requests.filter(bridgeMade)).toHaveLength(1);
    expect(h.sim.requests.filter(bridgeDestroyed)).toHaveLength(0);
  });

  it('makes a kept bridge again when it is found gone at the next answer (destroyed behind its back)', async () => {
    h = await oneAgent();
    const first = await talkedAndEnded(h.sim.placeCall({ queue: 'sales', callerNumber: '100' }));
    await waitFor(() => h!.sim.bridges().find((b) => b.id === first && b.channelIds.length === 0), 'first bridge empty');
    const auth = `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}`;
    expect((await fetch(`${h.sim.url}/ari/bridges/${encodeURIComponent(first)}`, { method: 'DELETE', headers: { authorization: auth } })).status).toBe(204);
    await agentReady();

    const second = await talkedAndEnded(h.sim.placeCall({ queue: 'sales', callerNumber: '200' }));
    expect(second).toBe(first);
    expect(h.sim.requests.filter((r) => bridgeMade(r) && r.path === `/bridges/${first}`)).toHaveLength(2);
  });

  it('destroys the bridge of a recorded call with the call, and makes a new one for the next', async () => {
    h = await oneAgent(true);
    const first = await talkedAndEnded(h.sim.placeCall({ queue: 'sales', callerNumber: '100' }));
    await waitFor(() => h!.sim.requests.some((r) => bridgeDestroyed(r) && r.path === `/bridges/${first}`), 'recorded bridge destroyed');
    await agentReady();

    const second = await talkedAndEnded(h.sim.placeCall({ queue: 'sales', callerNumber: '200' }));
    expect(second).not.toBe(first);
    expect(h.sim.requests.filter(bridgeMade)).toHaveLength(2);
  });
});

describe('BridgePool', () => {
  const requests: string[] = [];
  const pbx = {
    addToBridge: async (b: string, c: string[]) => void requests.push(`add ${b} ${c.join(',')}`),
    destroyBridge: async (b: string) => void requests.push(`destroy ${b}`),
  } as unknown as Pbx;

  it('keeps an ended bridge only once both parties left, in either order', () => {
    const pool = new BridgePool();
    pool.joiningParties('b1', ['caller', 'agent']);
    pool.joined('b1');
    pool.partyLeft('caller');
    expect(pool.keepEnded('b1')).toBe(true);
    expect(pool.take()).toBeUndefined(); // the agent is still in it
    pool.partyLeft('agent');
    expect(pool.take()).toBe('b1');

    pool.joiningParties('b2', ['caller2', 'agent2']);
    pool.joined('b2');
    pool.partyLeft('caller2');
    pool.partyLeft('agent2');
    expect(pool.keepEnded('b2')).toBe(true);
    expect(pool.take()).toBe('b2');
  });

  it("never keeps a bridge another channel joined or entered, or one bridgeParties failed on, or one it does not know", async () => {
    const pool = new BridgePool();
    const tracked = pool.trackBridgeUse(pbx);
    pool.joiningParties('b1', ['caller', 'agent']);
    await tracked.addToBridge('b1', ['caller', 'agent']);
    pool.joined('b1');
    await tracked.addToBridge('b1', ['supervisor']);
    expect(requests).toEqual(['add b1 caller,agent', 'add b1 supervisor']);
    pool.partyLeft('caller');
    pool.partyLeft('agent');
    expect(pool.keepEnded('b1')).toBe(false);

    pool.joiningParties('b2', ['caller2', 'agent2']);
    pool.markUsed('b2');
    pool.joined('b2');
    expect(pool.keepEnded('b2')).toBe(false);

    // A channel the engine did not add (a transfer made on a phone) enters it.
    pool.joiningParties('b3', ['caller3', 'agent3']);
    pool.joined('b3');
    pool.entered('b3', 'caller3');
    pool.entered('b3', 'transfer-target');
    pool.partyLeft('caller3');
    pool.partyLeft('agent3');
    expect(pool.keepEnded('b3')).toBe(false);

    expect(pool.keepEnded('unknown')).toBe(false);
    expect(pool.take()).toBeUndefined();

    // ...or enters an idle one.
    pool.giveBack('b4');
    pool.entered('b4', 'someone');
    expect(pool.take()).toBeUndefined();
  });

  it('forgets an idle bridge destroyed by anyone; on a reconnect forgets idle ones and destroys ended ones', async () => {
    const pool = new BridgePool();
    const tracked = pool.trackBridgeUse(pbx);
    expect(pool.giveBack('b1')).toBe(true);
    expect(pool.giveBack('b2')).toBe(true);
    await tracked.destroyBridge('b1');
    expect(pool.take()).toBe('b2');
    expect(pool.take()).toBeUndefined();
    pool.giveBack('b3');
    // An ended call's bridge still waiting for a party's StasisEnd (lost while the socket was down) is destroyed.
    const discarded: string[] = [];
    pool.onDiscard = (bridgeId) => void discarded.push(bridgeId);
    pool.joiningParties('b5', ['caller5', 'agent5']);
    pool.joined('b5');
    expect(pool.keepEnded('b5')).toBe(true);
    pool.clearIdle();
    expect(discarded).toEqual(['b5']);
    pool.partyLeft('caller5');
    pool.partyLeft('agent5');
    expect(pool.take()).toBeUndefined();
  });

  it("destroys after a reconnect the bridge of a call that ended as the socket went down (its caller's StasisEnd lost)", async () => {
    h = await oneAgent();
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    // The agent hangs up after its talk; the engine hangs the caller up: the socket drops right
    // then, so the caller's StasisEnd, which would let the bridge go, never reaches the engine.
    // Two repairs each destroy it on the reconnect (checked one at a time): the pool's clearIdle
    // (an ended call's bridge) and reconcile's sweep of empty call bridges no call uses.
    const harness = h;
    const stopWatching = harness.sim.onEvent((e) => {
      if (e.type !== 'ChannelHangupRequest' || (e.channel as { id?: string } | undefined)?.id !== caller) return;
      stopWatching();
      harness.sim.dropConnections();
    });
    const bridgeId = await talkedAndEnded(caller);
    await waitFor(() => harness.sim.isConnected(), 'the engine back on the socket');
    await harness.engine.settled();
    await waitFor(() => !harness.sim.bridges().some((b) => b.id === bridgeId), "the ended call's bridge destroyed after the reconnect");
    expect(h.sim.requests.filter((r) => bridgeDestroyed(r) && r.path === `/bridges/${bridgeId}`).length).toBeGreaterThanOrEqual(1);
  });

  it("keeps at most 500 idle bridges: one more is refused, and an ended call's bridge beyond them is discarded", () => {
    const pool = new BridgePool();
    const discarded: string[] = [];
    pool.onDiscard = (bridgeId) => void discarded.push(bridgeId);
    for (let i = 0; i < 500; i++) expect(pool.giveBack(`idle${i}`)).toBe(true);
    expect(pool.giveBack('one-more')).toBe(false);
    // Ended with its parties still in it (kept), then full when they leave: discarded, not idle.
    pool.joiningParties('b9', ['caller9', 'agent9']);
    pool.joined('b9');
    expect(pool.keepEnded('b9')).toBe(true);
    pool.partyLeft('caller9');
    pool.partyLeft('agent9');
    expect(discarded).toEqual(['b9']);
    // Ended with its parties gone already: the caller of keepEnded destroys it.
    pool.joiningParties('b10', ['caller10', 'agent10']);
    pool.joined('b10');
    pool.partyLeft('caller10');
    pool.partyLeft('agent10');
    expect(pool.keepEnded('b10')).toBe(false);
    const taken = new Set(Array.from({ length: 500 }, () => pool.take()));
    expect(taken.size).toBe(500);
    expect(taken.has('b9') || taken.has('b10') || taken.has('one-more')).toBe(false);
    expect(pool.take()).toBeUndefined();
  });
});

