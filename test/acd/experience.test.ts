/**
 * What a waiting caller hears, end to end: music class or ringing, position / hold-time and
 * periodic announcements (music stopped while they play, back after), the estimated wait, and
 * an announcement stopped the moment an agent answers, before the bridge.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';
import { recordPlaybacks, requestsFor } from './experienceHelpers.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const agents = [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['sales'] }];

async function readyAgent(agentId: string) {
  await h.engine.agents.login(agentId, { by: 'test' });
  await h.engine.agents.ready(agentId, { by: 'test' });
}

async function queued(callerNumber: string) {
  const caller = h.sim.placeCall({ queue: 'sales', callerNumber });
  await waitFor(() => h.store.getCall(caller), 'call queued');
  return caller;
}

describe('hold media', () => {
  it("plays the queue's music class", async () => {
    h = await startHarness({ queues: [{ id: 'sales', musicClass: 'jazz' }], agents });
    const caller = await queued('100');
    await waitFor(() => h.sim.channel(caller)?.moh === 'jazz', 'jazz');
  });

  it('rings instead of music when configured, and the ringing stops before the bridge', async () => {
    h = await startHarness({ queues: [{ id: 'sales', ringInsteadOfMoh: true }], agents });
    const caller = await queued('100');
    await waitFor(() => h.sim.channel(caller)?.ringing, 'ringing');
    expect(h.sim.channel(caller)?.moh).toBeUndefined();
    expect(requestsFor(h.sim, caller)).not.toContain('POST /moh');
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 100 });
    await readyAgent('a1');
    await h.waitForCall(caller, 'connected');
    await waitFor(() => h.sim.bridges().some((b) => b.channelIds.includes(caller)), 'bridged');
    expect(h.sim.channel(caller)?.ringing).toBe(false);
  });
});

describe('hold media of a caller offered as it joins', () => {
  const mohRequests = (caller: string) => requestsFor(h.sim, caller).filter((r) => r.endsWith(' /moh'));

  it('starts no music for a caller whose agent answers within the delay, and stops none at the bridge', async () => {
    h = await startHarness({ queues: [{ id: 'sales', holdMediaDelayMs: 10_000 }], agents });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await readyAgent('a1');
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    const leg = await waitFor(async () => (await h.store.callOffers(caller))[0]?.agentChannel, 'offered');
    await waitFor(() => h.sim.channel(leg)?.state === 'Ringing', 'agent phone rings');
    await waitFor(() => h.sim.channel(caller)?.state === 'Up', 'caller answered');
    h.sim.answer(leg);
    await waitFor(() => h.sim.bridges().some((b) => b.channelIds.includes(caller) && b.channelIds.includes(leg)), 'bridged');
    expect(mohRequests(caller)).toEqual([]);
    expect(h.sim.channel(caller)?.moh).toBeUndefined();
  });

  it('starts the music once the delay passed with the agent still ringing, and stops it at the bridge', async () => {
    h = await startHarness({ queues: [{ id: 'sales', holdMediaDelayMs: 200, musicClass: 'jazz' }], agents });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await readyAgent('a1');
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    const leg = await waitFor(async () => (await h.store.callOffers(caller))[0]?.agentChannel, 'offered');
    await waitFor(() => h.sim.channel(caller)?.moh === 'jazz', 'music after the delay');
    expect(h.sim.channel(leg)?.state).toBe('Ringing');
    h.sim.answer(leg);
    await waitFor(() => h.sim.bridges().some((b) => b.channelIds.includes(caller) && b.channelIds.includes(leg)), 'bridged');
    expect(mohRequests(caller)).toEqual(['POST /moh', 'DELETE /moh']);
    expect(h.sim.channel(caller)?.moh).toBeUndefined();
  });

  it('plays the music at once with a delay of 0, and to a caller no agent is offered', async () => {
    h = await startHarness({ queues: [{ id: 'sales', holdMediaDelayMs: 0 }], agents });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await readyAgent('a1');
    const offered = h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    const unoffered = h.sim.placeCall({ queue: 'sales', callerNumber: '200' });
    await waitFor(() => h.sim.channel(offered)?.moh === 'default', 'music of the offered caller');
    await waitFor(() => h.sim.channel(unoffered)?.moh === 'default', 'music of the waiting caller');
    expect((await h.store.callOffers(offered)).length).toBe(1);
    expect((await h.store.callOffers(unoffered)).length).toBe(0);
  });
});

describe('announcements', () => {
  it('announces position at the configured frequency, stopping the music and bringing it back after', async () => {
    h = await startHarness({ queues: [{ id: 'sales', announce: { frequencyS: 1, holdTime: false } }], agents });
    const playbacks = recordPlaybacks(h.sim);
    const first = await queued('100');
    const second = await queued('200');
    await waitFor(() => playbacks.started(second).length >= 4, 'second caller announcement', 5000);
    expect(playbacks.started(second).slice(0, 4)).toEqual(['sound:queue-thereare', 'number:2', 'sound:queue-callswaiting', 'sound:queue-thankyou']);
    await waitFor(() => playbacks.started(first).length >= 2, 'first caller announcement');
    expect(playbacks.started(first).slice(0, 2)).toEqual(['sound:queue-youarenext', 'sound:queue-thankyou']);

    // Music off, one playback, music back once PlaybackFinished came.
    await waitFor(() => playbacks.events.some((e) => e.type === 'PlaybackFinished' && e.channel === second), 'finished');
    await waitFor(() => h.sim.channel(second)?.moh === 'default', 'music back');
    const requests = requestsFor(h.sim, second);
    const play = requests.findIndex((r) => r.startsWith('POST /play'));
    expect(requests.slice(0, play)).toContain('DELETE /moh');
    expect(requests.slice(play)).toContain('POST /moh');

    // The next one comes about a second later.
    await waitFor(() => playbacks.started(second).filter((m) => m === 'number:2').length >= 2, 'second announcement', 4000);
  });

  it('announces the estimated hold time from the queue handle time and the staffed agents', async () => {
    h = await startHarness({ queues: [{ id: 'sales', defaultHandleS: 150, announce: { frequencyS: 1, position: false } }], agents });
    await h.engine.agents.login('a1', { by: 'test' }); // logged in but not ready: nobody staffed
    const playbacks = recordPlaybacks(h.sim);
    const caller = await queued('100');
    const join = await h.waitForEvent((e) => e.type === 'QueueCallerJoin' && e.callId === caller);
    expect(join).toMatchObject({ ewtMs: 150_000 });
    expect(await h.store.waitInfo('sales', caller)).toMatchObject({ position: 1, ewtMs: 150_000, waiting: 1, completed: 0 });
    await waitFor(() => playbacks.started(caller).length >= 6, 'hold time announcement', 5000);
    expect(playbacks.started(caller).slice(0, 6)).toEqual([
      'sound:queue-holdtime',
      'number:2',
      'sound:queue-minutes',
      'number:30',
      'sound:queue-seconds',
      'sound:queue-thankyou',
    ]);
  });

  it('plays the periodic announcements in turn after the first delay', async () => {
    h = await startHarness({ queues: [{ id: 'sales', periodic: { sounds: ['queue-periodic-announce', 'sound:hello-world'], frequencyS: 1, firstDelayS: 1 } }], agents });
    const playbacks = recordPlaybacks(h.sim);
    const joined = Date.now();
    const caller = await queued('100');
    await waitFor(() => playbacks.started(caller).length >= 3, 'three periodic announcements', 6000);
    expect(playbacks.started(caller).slice(0, 3)).toEqual(['sound:queue-periodic-announce', 'sound:hello-world', 'sound:queue-periodic-announce']);
    expect(Date.now() - joined).toBeGreaterThanOrEqual(2500);
  });

  it('keeps a minimum interval between two announcements', async () => {
    h = await startHarness({
      queues: [{ id: 'sales', announce: { frequencyS: 1, minIntervalS: 3, holdTime: false }, periodic: { sounds: ['hello-world'], frequencyS: 1 } }],
      agents,
    });
    const playbacks = recordPlaybacks(h.sim);
    const caller = await queued('100');
    await waitFor(() => playbacks.started(caller).length > 0, 'an announcement', 4000);
    // Both chains fire every second: by their fourth run (t ≈ 2 s) the 3 s interval held back three.
    const runs = async () => (await h.completedTimers()).filter((id) => /^caller__(announce|periodic)__/.test(id) && id.includes(caller)).length;
    await waitFor(async () => (await runs()) >= 4, 'four announcement timers', 6000);
    const plays = playbacks.events.filter((e) => e.type === 'PlaybackStarted' && e.channel === caller);
    expect(new Set(plays.map((e) => e.id)).size).toBe(1);
  });

  it('an agent answering stops the announcement before the bridge, and the music does not come back', async () => {
    h = await startHarness(
      { queues: [{ id: 'sales', ringTimeoutS: 30, defaultHandleS: 150, announce: { frequencyS: 1, firstDelayS: 0 } }], agents },
      { timeScale: 1 },
    );
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    await readyAgent('a1');
    const playbacks = recordPlaybacks(h.sim);
    const caller = h.sim.placeCall({ queue: 'sales', callerNumber: '100' });
    const offered = await h.waitForCall(caller, 'offering', 5000);
    await waitFor(() => playbacks.started(caller).length > 0 && h.sim.channel(offered.agentChannel)?.state === 'Ringing', 'announcing while the agent rings', 5000);
    h.sim.answer(offered.agentChannel);
    await h.waitForCall(caller, 'connected');
    await waitFor(() => h.sim.bridges().some((b) => b.channelIds.includes(caller)), 'bridged');

    const playbackId = playbacks.events.find((e) => e.channel === caller)!.id;
    const log = h.sim.requests.map((r) => `${r.method} ${r.path}`);
    const stopped = log.indexOf(`DELETE /playbacks/${playbackId}`);
    const bridged = log.findIndex((r) => r.startsWith('POST /bridges/') && r.endsWith('/addChannel'));
    expect(stopped).toBeGreaterThanOrEqual(0);
    expect(stopped).toBeLessThan(bridged);
    // Only part of the announcement ("you are next", "thank you") was heard; no music after it.
    expect(playbacks.started(caller)).toEqual(['sound:queue-youarenext']);
    await h.engine.settled();
    expect(h.sim.channel(caller)?.moh).toBeUndefined();
  });
});
