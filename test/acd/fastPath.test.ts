/**
 * Issue 12: fewer round trips before caller and agent talk. The bridge is made while the agent
 * rings; a leg that never gets bridged takes its bridge with it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeIdOf } from '../../src/domain/idPrefixes.js';
import { createAdminOps } from '../../src/store/adminOps.js';
import type { RouteResult } from '../../src/store/types.js';
import { closeHealthy, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';
import { recentLogLines } from '../helpers/recentLogs.js';

const agentLegOf = async (h: Harness, callId: string) => waitFor(async () => (await h.store.callOffers(callId))[0]?.agentChannel, 'agent leg offered');

/** The agent's phone rings (the store may say "ringing" a moment before: it is marked alongside the originate). */
const phoneRinging = async (h: Harness, leg: string) => waitFor(() => h.sim.channel(leg)?.state === 'Ringing', 'phone ringing');

/** a1 logged in ready, its phone ringing until answered (sim.answer), and a caller offered to it. */
async function offeredToA1(h: Harness): Promise<{ callId: string; leg: string }> {
  h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
  await h.engine.agents.login('a1', { by: 'test', ready: true });
  const callId = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
  return { callId, leg: await agentLegOf(h, callId) };
}

const ONE_AGENT = (ringTimeoutS = 5) => ({
  queues: [{ id: 'sales', ringTimeoutS, wrapupS: 0 }],
  agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }],
});

let h: Harness | undefined;
afterEach(async () => {
  await closeHealthy(h);
  h = undefined;
});

describe('the fast path from caller to agent', () => {

  const requestIndex = (match: (r: { method: string; path: string; query: Record<string, unknown> }) => boolean) => h!.sim.requests.findIndex(match);
  const originated = (leg: string) => requestIndex((r) => r.method === 'POST' && r.path === '/channels' && r.query.channelId === leg) >= 0;

  it('makes the bridge while the agent rings: answering only adds the parties to it', async () => {
    h = await startHarness(ONE_AGENT());
    const { leg } = await offeredToA1(h);
    await waitFor(() => h!.sim.bridges().find((b) => b.id === bridgeIdOf(leg)), 'bridge made while ringing');
    expect(h.sim.channel(leg)?.state).not.toBe('Up');

    await phoneRinging(h, leg);
    h.sim.answer(leg);
    await waitFor(() => h!.sim.bridges().find((b) => b.id === bridgeIdOf(leg) && b.channelIds.length === 2), 'bridged');
    const creations = h.sim.requests.filter((r) => r.method === 'POST' && r.path === `/bridges/${bridgeIdOf(leg)}`);
    expect(creations).toHaveLength(1);
  });

  it("originates the agent's leg while the caller's entry still holds the call, and bridges after the entry", async () => {
    let releaseEntry!: () => void;
    const entryHeld = new Promise<void>((resolve) => (releaseEntry = resolve));
    // The entry's last step (under the call's lock) waits.
    h = await startHarness(ONE_AGENT(), { engineStore: (store) => ({ ...store, finishEntry: async (node, channelId) => entryHeld.then(() => store.finishEntry(node, channelId)) }) });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    const callId = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
    const leg = await agentLegOf(h, callId);
    await waitFor(() => originated(leg), 'agent leg originated during the entry');

    // The agent answers before the entry is done: the bridge comes after the entry (answered caller,
    // hold media deferred: the join offered it at once), so neither music start nor stop is needed.
    await phoneRinging(h, leg);
    h.sim.answer(leg);
    await waitFor(() => h!.sim.channel(leg)?.state === 'Up', 'agent answered');
    releaseEntry();
    await waitFor(() => h!.sim.bridges().find((b) => b.id === bridgeIdOf(leg) && b.channelIds.length === 2), 'bridged');
    const answer = requestIndex((r) => r.method === 'POST' && r.path === `/channels/${callId}/answer`);
    const addToBridge = requestIndex((r) => r.method === 'POST' && r.path === `/bridges/${bridgeIdOf(leg)}/addChannel`);
    expect(answer).toBeGreaterThanOrEqual(0);
    expect(addToBridge).toBeGreaterThan(answer);
    expect(requestIndex((r) => r.path === `/channels/${callId}/moh`)).toBe(-1);
  });

  it('rings the agent with one request (originate: no create, no dial) and bridges its answer without reading the call', async () => {
    let releaseReads!: () => void;
    const readsHeld = new Promise<void>((resolve) => (releaseReads = resolve));
    let assigned = false;
    // Once the agent is assigned, the call's reads wait: neither the ringing nor the answer may need them.
    const held = <A extends unknown[], R>(read: (...args: A) => Promise<R>) => async (...args: A) => {
      if (assigned) await readsHeld;
      return read(...args);
    };
    h = await startHarness(ONE_AGENT(), {
      engineStore: (store) => ({
        ...store,
        route: async (trigger, channel) => {
          const result = await store.route(trigger, channel);
          if (result.assignments.length > 0) assigned = true;
          return result;
        },
        getCall: held(store.getCall),
        callOffers: held(store.callOffers),
      }),
    });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    const callId = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
    const leg = await agentLegOf(h, callId);
    await waitFor(() => originated(leg), 'agent leg originated while the call reads wait');
    await waitFor(async () => (await h!.store.getAgent('a1'))?.status === 'ringing', 'agent ringing');
    await phoneRinging(h, leg);
    h.sim.answer(leg);
    await waitFor(() => h!.sim.bridges().find((b) => b.id === bridgeIdOf(leg) && b.channelIds.length === 2), 'bridged while the reads wait');
    releaseReads();
    expect(requestIndex((r) => r.path === '/channels/create' || r.path.endsWith('/dial'))).toBe(-1);
  });

  it('a caller who hangs up while being bridged is a party gone (Asterisk: 400 "Channel not found"), not a failed step', async () => {
    h = await startHarness(ONE_AGENT());
    const { callId, leg } = await offeredToA1(h);
    await phoneRinging(h, leg);
    // The bridge request is carried out late: the caller is gone by then.
    h.sim.injectFault({ method: 'POST', path: /\/addChannel$/, delayMs: 500 });
    h.sim.answer(leg);
    await h.waitForCall(callId, 'connected');
    h.sim.hangup(callId, 16);
    await waitFor(() => h!.sim.requests.some((r) => r.path.endsWith('/addChannel') && r.status === 400), 'the bridge request refused');
    await waitFor(async () => (await h!.store.getCall(callId)) === undefined, 'the call ended');
    await h.engine.settled();
    expect(recentLogLines()).toContain('a party left while bridging');
    expect(recentLogLines()).not.toContain('event handling failed');
  });

  it('an agent whose leg leaves between its answer and the bridge: the caller waits in the queue again at its place and is bridged on the next offer, not hung up', async () => {
    h = await startHarness(ONE_AGENT());
    const { callId, leg } = await offeredToA1(h);
    // A caller behind it: the first one keeps its place ahead of it.
    const behind = h.sim.placeCall({ queue: 'sales', callerNumber: '5550002' });
    await h.waitForCall(behind, 'waiting');
    await phoneRinging(h, leg);
    // The bridge request is carried out late (an overloaded Asterisk): the agent hung up by then.
    // (3 s: the hang-up below must come first even when a loaded CI box polls the store slowly.)
    h.sim.injectFault({ method: 'POST', path: /\/addChannel$/, delayMs: 3_000 });
    h.sim.answer(leg);
    await h.waitForCall(callId, 'connected');
    h.sim.hangup(leg, 16);
    await waitFor(() => h!.sim.requests.some((r) => r.path.endsWith('/addChannel') && r.status >= 400), 'the bridge request refused');
    const next = await waitFor(async () => {
      const offered = (await h!.store.callOffers(callId))[0]?.agentChannel;
      return offered !== undefined && offered !== leg ? offered : undefined;
    }, 'the caller offered again, on a new leg');
    // Its place kept: the agent's next leg is for it, none went to the caller behind first. (The
    // store knows the offer before the simulator logs the originate's answer.)
    await waitFor(() => originated(next), 'the new leg originated');
    expect(h.sim.requests.filter((r) => r.method === 'POST' && r.path === '/channels').map((r) => r.query.channelId)).toEqual([leg, next]);
    await phoneRinging(h, next);
    h.sim.answer(next);
    await waitFor(() => h!.sim.bridges().find((b) => b.channelIds.includes(callId) && b.channelIds.includes(next)), 'bridged on the new leg');
    expect(h.sim.channel(callId)?.state).toBe('Up');
    // Reported as a call the agent ended, then the caller's wait again at its place: no transfer.
    const events = (await h.events()).filter((e) => 'callId' in e && e.callId === callId);
    expect(events.filter((e) => e.type === 'AgentComplete')).toMatchObject([{ agentId: 'a1', reason: 'completeagent' }]);
    expect(events.filter((e) => e.type === 'CallControl')).toEqual([]);
    expect(events.filter((e) => e.type === 'QueueCallerJoin')).toMatchObject([{ position: 1 }, { position: 1 }]);
    expect(recentLogLines()).toContain('the agent left before being bridged');
    expect(recentLogLines()).not.toContain('event handling failed');
  });

  it("marks the agent ringing in the store alongside the originate, not after the request's answer", async () => {
    h = await startHarness(ONE_AGENT());
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    // The PBX takes 4 s to answer the originate request; the store's ringing must not wait for it.
    h.sim.injectFault({ method: 'POST', path: /^\/channels$/, delayMs: 4_000 });
    const callId = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
    const leg = await agentLegOf(h, callId);
    await waitFor(async () => (await h!.store.getAgent('a1'))?.status === 'ringing', 'agent ringing before the dial request is answered', 2_000);
    await phoneRinging(h, leg);
    h.sim.answer(leg);
    await h.waitForCall(callId, 'connected');
  });

  it.each([
    ['rings out', { kind: 'noanswer' as const }],
    ['is busy', { kind: 'busy' as const }],
    ['rejects', { kind: 'reject' as const }],
  ])('keeps the bridge made ahead, empty, for the next offer when the agent %s', async (_what, behaviour) => {
    h = await startHarness(ONE_AGENT(1));
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    h.sim.setEndpoint('PJSIP/a1', behaviour);
    const bridgeMade = (r: { method: string; path: string }) => r.method === 'POST' && /^\/bridges\/[^/]+$/.test(r.path);
    const callId = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
    const made = await waitFor(() => h!.sim.requests.find(bridgeMade)?.path.slice('/bridges/'.length), 'bridge made while ringing');
    await waitFor(() => h!.sim.requests.some((r) => r.method === 'DELETE' && r.path.startsWith('/channels/acd-agent-')), 'first offer over');
    await waitFor(() => h!.sim.bridges().find((b) => b.id === made && b.channelIds.length === 0), 'bridge kept, empty');

    // The next offer (the agent answers now) is bridged in it: no bridge made or destroyed.
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 0 });
    if ((await h.store.getAgent('a1'))?.status !== 'ready') await h.engine.agents.ready('a1', { by: 'test' });
    const bridge = await waitFor(() => h!.sim.bridges().find((b) => b.channelIds.includes(callId)), 'bridged');
    expect(bridge.id).toBe(made);
    expect(h.sim.requests.filter(bridgeMade)).toHaveLength(1);
    expect(requestIndex((r) => r.method === 'DELETE' && r.path.startsWith('/bridges/'))).toBe(-1);
  });
});

describe("a call's requests to the store", () => {

  it('reads nothing to bridge an answer or to release the caller after the agent hung up, and routes the freed agent only for a waiting caller', async () => {
    const asked: string[] = [];
    const counted =
      <A extends unknown[], R>(name: string, op: (...args: A) => Promise<R>) =>
      async (...args: A) => {
        asked.push(name);
        return op(...args);
      };
    h = await startHarness(ONE_AGENT(), {
      engineStore: (store) => ({
        ...store,
        getCall: counted('getCall', store.getCall),
        callOfChannel: counted('callOfChannel', store.callOfChannel),
        route: counted('route', store.route),
        recordEntry: counted('recordEntry', store.recordEntry),
      }),
    });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    await h.engine.settled();
    asked.length = 0;
    const first = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
    const leg = await agentLegOf(h, first);
    await waitFor(async () => (await h!.store.getAgent('a1'))?.status === 'ringing', 'agent ringing');
    await phoneRinging(h, leg);
    // The entry is recorded and the queue's routing decided by the join (enqueue), not on their own.
    expect(asked).toEqual([]);

    asked.length = 0;
    h.sim.answer(leg);
    await waitFor(() => h!.sim.bridges().find((b) => b.id === bridgeIdOf(leg) && b.channelIds.length === 2), 'bridged');
    await h.engine.settled();
    expect(asked).toEqual([]);

    // The agent hangs up: its leg's StasisEnd ends the call (the end script, fenced by the leg,
    // with no look-up first) and the caller is hung up. That caller's StasisEnd needs no look-up
    // either, and with nobody waiting the freed agent is not routed.
    asked.length = 0;
    h.sim.hangup(leg);
    await waitFor(() => !h!.sim.channel(first), 'caller released');
    await h.engine.settled();
    expect(asked).toEqual([]);
    expect((await h.store.getAgent('a1'))?.status).toBe('ready');

    // With a caller waiting when the agent is freed, the agent is routed at once.
    const second = h.sim.placeCall({ queue: 'sales', callerNumber: '5550002' });
    const secondLeg = await agentLegOf(h, second);
    await phoneRinging(h, secondLeg);
    h.sim.answer(secondLeg);
    await h.waitForCall(second, 'connected');
    const third = h.sim.placeCall({ queue: 'sales', callerNumber: '5550003' });
    await h.waitForCall(third, 'waiting');
    await h.engine.settled();
    asked.length = 0;
    h.sim.hangup(secondLeg);
    const thirdLeg = await agentLegOf(h, third);
    expect(thirdLeg).toBeDefined();
    expect(asked).toContain('route');
  });
  it("asks no end of a call for an offer's leg that was never answered", async () => {
    const ends: string[] = [];
    h = await startHarness(ONE_AGENT(1), {
      engineStore: (store) => ({
        ...store,
        endCall: async (...args: Parameters<typeof store.endCall>) => {
          ends.push(args[0]);
          return store.endCall(...args);
        },
      }),
    });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'noanswer' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    const callId = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
    const leg = await agentLegOf(h, callId);
    await waitFor(() => !h!.sim.channel(leg), 'agent leg rang out');
    await waitFor(async () => (await h!.store.getCall(callId))?.state === 'waiting', 'caller back in queue');
    await h.engine.settled();
    expect(ends).toEqual([]);
  });
});

describe('routing decisions per caller', () => {

  const decided = (result: RouteResult) => (result.assignments.length > 0 ? `offer, ${result.waitingLeft} left` : 'none');

  it("decides with the join when the only waiting caller gets an agent, and asks again while callers are left", async () => {
    const triggers: string[] = [];
    h = await startHarness(
      { queues: [{ id: 'sales', wrapupS: 0 }], agents: ['a1', 'a2', 'a3'].map((id) => ({ id, endpoint: `PJSIP/${id}`, queues: ['sales'] })) },
      {
        engineStore: (store) => ({
          ...store,
          route: async (trigger, channel) => {
            const result = await store.route(trigger, channel);
            if ('queue' in trigger) triggers.push(decided(result));
            return result;
          },
          enqueue: async (req) => {
            const joined = await store.enqueue(req);
            if (joined.route) triggers.push(`join: ${decided(joined.route)}`);
            return joined;
          },
        }),
      },
    );
    for (const id of ['a1', 'a2', 'a3']) h.sim.setEndpoint(`PJSIP/${id}`, { kind: 'manual' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    await h.engine.settled();
    triggers.length = 0; // the start's and the login's decisions
    const first = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
    await waitFor(async () => (await h!.store.callOffers(first)).length === 1, 'first caller offered');
    await h.engine.settled();
    expect(triggers).toEqual(['join: offer, 0 left']);

    // Two callers wait for nobody; two agents become free at once: both are offered in one drain.
    const waiting = [h.sim.placeCall({ queue: 'sales', callerNumber: '5550002' }), h.sim.placeCall({ queue: 'sales', callerNumber: '5550003' })];
    await waitFor(async () => (await Promise.all(waiting.map((id) => h!.store.getCall(id)))).every((c) => c?.state === 'waiting'), 'both waiting');
    await h.engine.settled();
    triggers.length = 0;
    // Ready in the store without the engine's kick, then one kick for the queue
    // (a membership saved again).
    await Promise.all(['a2', 'a3'].map((id) => h!.store.login(id, undefined, { by: 'test', ready: true })));
    await h.engine.admin(createAdminOps(h.redis, h.tenant)).setMember('sales', 'a3', 0, true);
    await waitFor(async () => (await Promise.all(waiting.map((id) => h!.store.callOffers(id)))).every((o) => o.length === 1), 'both offered');
    await h.engine.settled();
    expect(triggers).toEqual(['offer, 1 left', 'offer, 0 left']);
  });
});
