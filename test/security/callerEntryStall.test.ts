/**
 * Issue 8 item 9: a PBX that stalls or fails while a caller enters must not lose the caller.
 * The simulator misbehaves once on one REST request of the entry; the caller must still end
 * queued (answered, music on hold) and then bridged to an agent, without an ARI reconnect.
 */
import { afterEach, expect, it } from 'vitest';
import { ariConnects, closeHealthy, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';

let h: Harness | undefined;
afterEach(async () => {
  await closeHealthy(h);
  h = undefined;
});

const config = {
  queues: [{ id: 'sales', ringTimeoutS: 30, wrapupS: 1 }],
  agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }],
};

/** ARI connections so far: each sets the app's event filter (src/pbx/ari/ari-pbx.ts). */
const connects = () => ariConnects(h!.sim);

async function expectQueuedThenBridged(callerId: string) {
  const sim = h!.sim;
  const waiting = await h!.waitForCall(callerId, 'waiting');
  await waitFor(() => sim.channel(callerId)?.state === 'Up' && sim.channel(callerId)?.moh !== undefined, 'caller answered with music on hold');
  sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
  await h!.engine.agents.login('a1', { by: 'test', ready: true });
  const connected = await h!.waitForCall(waiting.id, 'connected');
  await waitFor(() => sim.bridges().find((b) => b.id === connected.bridgeId && b.channelIds.includes(callerId)), 'caller bridged to the agent');
  expect(await h!.store.unfinishedEntries('node-a')).toEqual([]);
}

it('retries an entry whose channel-variable read timed out', async () => {
  h = await startHarness(config, { requestTimeoutMs: 300, settings: { entryRetryDelayMs: 50, entryRepairIntervalMs: 0 } });
  const before = await waitFor(() => connects() > 0 && connects(), 'the first connect');
  // Asterisk answers the skills read only after the engine gave up on it.
  h.sim.injectFault({ method: 'GET', path: /^\/channels\/[^/]+\/variable$/, delayMs: 1_000 });
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550001' });
  await expectQueuedThenBridged(caller);
  expect(connects()).toBe(before);
});

it('the periodic entry repair finishes an entry whose retries ran out before the caller was queued', async () => {
  h = await startHarness(config, { requestTimeoutMs: 300, settings: { entryRetries: 0, entryRepairIntervalMs: 200 } });
  const before = await waitFor(() => connects() > 0 && connects(), 'the first connect');
  h.sim.injectFault({ method: 'GET', path: /^\/channels\/[^/]+\/variable$/, delayMs: 1_000 });
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550002' });
  await expectQueuedThenBridged(caller);
  expect(connects()).toBe(before);
});

it('the periodic entry repair answers and holds a caller whose answer failed after it was queued', async () => {
  h = await startHarness(config, { settings: { entryRetries: 0, entryRepairIntervalMs: 200 } });
  const before = await waitFor(() => connects() > 0 && connects(), 'the first connect');
  h.sim.injectFault({ method: 'POST', path: /^\/channels\/[^/]+\/answer$/, status: 503 });
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550003' });
  await expectQueuedThenBridged(caller);
  expect(connects()).toBe(before);
});

it('the periodic entry repair enters a caller that sits in the app unknown to Redis', async () => {
  let failures = 1;
  h = await startHarness(config, {
    settings: { entryRepairIntervalMs: 200 },
    // A Redis blip as the caller enters: not even its entry record (written with the join) is written.
    engineStore: (store) => ({
      ...store,
      enqueue: (req) => (failures-- > 0 ? Promise.reject(new Error('redis blip')) : store.enqueue(req)),
    }),
  });
  const before = await waitFor(() => connects() > 0 && connects(), 'the first connect');
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550004' });
  await expectQueuedThenBridged(caller);
  expect(failures).toBe(-1);
  expect(connects()).toBe(before);
});

it('the reconcile on reconnect finishes an interrupted entry before routing opens', async () => {
  h = await startHarness(config, { settings: { entryRetries: 0, entryRepairIntervalMs: 0 } });
  // The reconcile on connect lists the bridges.
  await waitFor(() => h!.sim.requests.some((r) => r.method === 'GET' && r.path === '/bridges'), 'the reconcile on connect');
  h.sim.injectFault({ method: 'POST', path: /^\/channels\/[^/]+\/answer$/, status: 503 });
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '5550005' });
  await waitFor(async () => (await h!.store.unfinishedEntries('node-a')).includes(caller), 'the entry left unfinished');
  await h.engine.settled(); // the failed entry attempt is over: only the reconcile can finish it now
  h.sim.dropConnections();
  await expectQueuedThenBridged(caller);
});
