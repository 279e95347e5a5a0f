/**
 * Issue 12: fewer round trips before caller and agent talk. The bridge is made while the agent
 * rings; a leg that never gets bridged takes its bridge with it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeIdOf } from '../../src/domain/idPrefixes.js';
import { closeHealthy, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';

const ONE_AGENT = (ringTimeoutS = 5) => ({
  queues: [{ id: 'sales', ringTimeoutS, wrapupS: 0 }],
  agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }],
});

describe('the fast path from caller to agent', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await closeHealthy(h);
    h = undefined;
  });

  const requestIndex = (match: (r: { method: string; path: string }) => boolean) => h!.sim.requests.findIndex(match);
  const agentLegOf = async (callId: string) => waitFor(async () => (await h!.store.callOffers(callId))[0]?.agentChannel, 'agent leg offered');

  it('makes the bridge while the agent rings: answering only adds the parties to it', async () => {
    h = await startHarness(ONE_AGENT());
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    const callId = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
    const leg = await agentLegOf(callId);
    await waitFor(() => h!.sim.bridges().find((b) => b.id === bridgeIdOf(leg)), 'bridge made while ringing');
    expect(h.sim.channel(leg)?.state).not.toBe('Up');

    h.sim.answer(leg);
    await waitFor(() => h!.sim.bridges().find((b) => b.id === bridgeIdOf(leg) && b.channelIds.length === 2), 'bridged');
    const creations = h.sim.requests.filter((r) => r.method === 'POST' && r.path === `/bridges/${bridgeIdOf(leg)}`);
    expect(creations).toHaveLength(1);
  });

  it.each([
    ['rings out', { kind: 'noanswer' as const }],
    ['is busy', { kind: 'busy' as const }],
    ['rejects', { kind: 'reject' as const }],
  ])('destroys the bridge made ahead when the agent %s', async (_what, behaviour) => {
    h = await startHarness(ONE_AGENT(1));
    await h.engine.agents.login('a1', { by: 'test', ready: true });
    h.sim.setEndpoint('PJSIP/a1', behaviour);
    const callId = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
    const leg = await agentLegOf(callId);
    await waitFor(() => requestIndex((r) => r.method === 'POST' && r.path === `/bridges/${bridgeIdOf(leg)}`) >= 0, 'bridge made while ringing');
    await waitFor(() => !h!.sim.channel(leg), 'agent leg gone');
    await waitFor(async () => (await h!.store.getCall(callId))?.state === 'waiting', 'caller back in queue');
    await h.engine.settled();
    expect(h.sim.bridges()).toEqual([]);
  });
});
