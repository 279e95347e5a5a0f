/**
 * The periodic entry repair works from a view of the app's channels taken before it reads the
 * unfinished entries: a caller that entered in between, and whose entry a PBX fault interrupted,
 * is absent from that view but still in the app. It must be entered, not ended as lost.
 */
import { afterEach, expect, it } from 'vitest';
import { closeHealthy, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';

let h: Harness | undefined;
afterEach(async () => {
  await closeHealthy(h);
  h = undefined;
});

it('enters a caller whose interrupted entry began after the repair listed the app, instead of hanging it up', async () => {
  h = await startHarness({ queues: [{ id: 'sales' }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }] }, { settings: { entryRetries: 0, entryRepairIntervalMs: 100 } });
  const sim = h.sim;
  await waitFor(() => sim.requests.some((r) => r.path === '/bridges'), 'the reconcile on connect');
  await h.engine.settled();
  // The next repair pass reads the app's channel ids, then waits on the channel list.
  sim.injectFault({ method: 'GET', path: /^\/channels$/, delayMs: 1_000 });
  const since = sim.requests.length;
  await waitFor(() => sim.requests.slice(since).some((r) => r.method === 'GET' && r.path.startsWith('/applications/')), 'a repair pass listing the app');
  // Meanwhile a caller enters and its answer fails: the entry stays unfinished.
  sim.injectFault({ method: 'POST', path: /^\/channels\/[^/]+\/answer$/, status: 503 });
  const caller = sim.placeCall({ queue: 'sales', callerNumber: '5550201' });
  await h.waitForCall(caller, 'waiting');
  await waitFor(() => sim.channel(caller)?.state === 'Up' && sim.channel(caller)?.moh !== undefined, 'caller answered with music on hold');
  expect(sim.channel(caller)).toBeDefined();
  await waitFor(async () => (await h!.store.unfinishedEntries('node-a')).length === 0 || undefined, 'the entry finished');
  expect(await h.store.getCall(caller)).toMatchObject({ state: 'waiting' });
});

it('lets one pass at most wait behind a slow one: passes do not pile up and then run back to back', async () => {
  const intervalMs = 20;
  h = await startHarness({ queues: [{ id: 'sales' }], agents: [] }, { settings: { entryRepairIntervalMs: intervalMs } });
  const sim = h.sim;
  const passes = () => sim.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/applications/'));
  await waitFor(() => passes().length > 0, 'a first repair pass');
  // One pass stalls for 50 intervals.
  sim.injectFault({ method: 'GET', path: /^\/applications\/[^/]+$/, delayMs: 50 * intervalMs });
  const before = passes().length;
  const slow = await waitFor(() => passes().find((r, i) => i >= before && r.at - (passes()[i - 1]?.at ?? 0) >= 40 * intervalMs), 'the slow pass');
  const after = await waitFor(() => {
    const later = passes().filter((r) => r.at > slow.at);
    return later.length >= 10 && later;
  }, 'ten passes after it');
  // Back to back, ten passes take a few ms; one per interval, about nine intervals.
  expect(after[9]!.at - slow.at).toBeGreaterThanOrEqual(8 * intervalMs);
});

it("ends a call whose caller left our app unnoticed (its StasisEnd lost), instead of keeping it at the head of the queue", async () => {
  h = await startHarness({ queues: [{ id: 'sales' }], agents: [] }, { settings: { entryRepairIntervalMs: 50 } });
  const sim = h.sim;
  const caller = sim.placeCall({ queue: 'sales', callerNumber: '5550202' });
  await h.waitForCall(caller, 'waiting');
  // Asterisk stops telling the app about the caller's leaving (the request ARI clients send).
  const filter = await fetch(`${sim.url}/ari/applications/acd/eventFilter`, {
    method: 'PUT',
    headers: { authorization: `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ allowed: [{ type: 'StasisStart' }] }),
  });
  expect(filter.ok).toBe(true);
  sim.hangup(caller);
  expect(sim.channel(caller)).toBeUndefined();
  await h.waitForEvent((e) => e.type === 'QueueCallerLeave' && e.callId === caller && e.reason === 'lost');
  expect(await h.store.getCall(caller)).toBeUndefined();
});

it('hangs up an agent leg in our app that no offer has and whose first hang-up failed', async () => {
  h = await startHarness({ queues: [{ id: 'sales' }], agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }] }, { settings: { entryRepairIntervalMs: 50 } });
  const sim = h.sim;
  await h.engine.settled();
  // Asterisk made a leg whose create failed here (its deadline passed) and the stale leg's hang-up fails once.
  sim.injectFault({ method: 'DELETE', path: /^\/channels\/acd-agent-leaked/, status: 503 });
  const created = await fetch(`${sim.url}/ari/channels/create?endpoint=Local/1001@agents&app=acd&appArgs=agent,a1,gone;2&channelId=acd-agent-leaked`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}` },
  });
  expect(created.status, await created.text()).toBe(200);
  await waitFor(() => sim.channel('acd-agent-leaked') === undefined, 'the leg hung up');
  // The StasisStart's hang-up took the fault (the simulator logs no faulted request: a probe now
  // gets 404, not the fault's 503); the repair's went through.
  expect(sim.requests.filter((r) => r.method === 'DELETE' && r.path === '/channels/acd-agent-leaked')).toHaveLength(1);
  const probe = await fetch(`${sim.url}/ari/channels/acd-agent-leaked`, { method: 'DELETE', headers: { authorization: `Basic ${Buffer.from('asterisk:asterisk').toString('base64')}` } });
  expect(probe.status).toBe(404);
});
