/**
 * Routing end to end: simulator (ARI over HTTP + WebSocket) → real adapter → engine → real Redis.
 * Who is chosen and in what order, read where a user sees it: the agent legs in the PBX, the
 * call and agent states, the events.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AcdContext } from '../../src/acd/context.js';
import { requirementsFromChannel } from '../../src/acd/callerSkills.js';
import type { ConfigFile } from '../../src/config.js';
import { createAriPbx } from '../../src/pbx/ari/index.js';
import { closeHealthy, startHarness, waitFor, type Harness } from '../helpers/acdHarness.js';
import { redisMs } from '../helpers/redis.js';

let h: Harness;
afterEach(() => closeHealthy(h));

const agents = (ids: string[], membership: (id: string, i: number) => { queue: string; order?: number } = () => ({ queue: 'q' })) =>
  ids.map((id, i) => ({ id, endpoint: `PJSIP/${id}`, queues: [membership(id, i)] }));

async function ready(...ids: string[]) {
  for (const id of ids) {
    await h.engine.agents.login(id, { by: 'test' });
    await h.engine.agents.ready(id, { by: 'test' });
    const since = (await h.store.getAgent(id))!.since;
    await waitFor(async () => (await redisMs(h.redis)) > since, 'a distinct idle-since for the next agent');
  }
}

const status = async (id: string) => (await h.store.getAgent(id))?.status;
const legsOf = (id: string) => h.sim.channels().filter((c) => c.name.startsWith(`PJSIP/${id}`));
const ringingLeg = (id: string) => waitFor(() => legsOf(id).find((c) => c.state === 'Ringing'), `${id} ringing`);

/** One call answered by whoever the router picks; returns that agent once the call is over. */
async function oneCall(n: number): Promise<string> {
  const caller = h.sim.placeCall({ queue: 'q', callerNumber: `${n}` });
  const call = await h.waitForCall(caller, 'connected');
  h.sim.hangup(caller, 16);
  await waitFor(async () => (await status(call.agentId)) === 'ready' || undefined, `${call.agentId} ready again`);
  return call.agentId;
}

describe('strategies through the engine', () => {
  it.each([
    ['longest-idle', ['a1', 'a2', 'a3', 'a1']],
    ['round-robin', ['a3', 'a2', 'a1', 'a3']], // positions: a3 1, a2 2, a1 3
    ['linear', ['a3', 'a3', 'a3', 'a3']],
  ] as const)('%s picks %j for calls in a row', async (strategy, expected) => {
    h = await startHarness({
      queues: [{ id: 'q', strategy, ringTimeoutS: 3, wrapupS: 0 }],
      agents: agents(['a1', 'a2', 'a3'], (_id, i) => ({ queue: 'q', order: 3 - i })),
    });
    for (const id of ['a1', 'a2', 'a3']) h.sim.setEndpoint(`PJSIP/${id}`, { kind: 'answer', ringMs: 50 });
    await ready('a1', 'a2', 'a3');
    const picked = [];
    for (let i = 0; i < 4; i++) picked.push(await oneCall(i));
    expect(picked).toEqual([...expected]);
  });

  it('fewest-calls: a newly ready agent with no calls goes first; least-talk-time: the short talker goes first', async () => {
    h = await startHarness({
      queues: [
        { id: 'q', strategy: 'fewest-calls', ringTimeoutS: 3, wrapupS: 0 },
        { id: 't', strategy: 'least-talk-time', ringTimeoutS: 3, wrapupS: 0 },
      ],
      agents: [...agents(['a1', 'a2', 'a3']), { id: 'long', endpoint: 'PJSIP/long', queues: ['t'] }, { id: 'short', endpoint: 'PJSIP/short', queues: ['t'] }],
    });
    for (const id of ['a1', 'a2', 'a3', 'long', 'short']) h.sim.setEndpoint(`PJSIP/${id}`, { kind: 'answer', ringMs: 50 });
    await ready('a1', 'a2');
    expect([await oneCall(1), await oneCall(2)]).toEqual(['a1', 'a2']);
    await ready('a3');
    expect(await oneCall(3)).toBe('a3'); // a1 idled longer but took a call
    // least-talk-time: `long` idles longer but has talked 1 s.
    await ready('long', 'short');
    const first = h.sim.placeCall({ queue: 't', callerNumber: '4' });
    expect((await h.waitForCall(first, 'connected')).agentId).toBe('long');
    await new Promise((r) => setTimeout(r, 1100)); // kept: the talk time under test, not a wait for something
    h.sim.hangup(first, 16);
    await waitFor(async () => (await status('long')) === 'ready' || undefined, 'long ready');
    const picked = [];
    for (let i = 0; i < 2; i++) {
      const c = h.sim.placeCall({ queue: 't', callerNumber: `5${i}` });
      const call = await h.waitForCall(c, 'connected');
      picked.push(call.agentId);
      h.sim.hangup(c, 16);
      await waitFor(async () => (await status(call.agentId)) === 'ready' || undefined, 'ready');
    }
    expect(picked).toEqual(['short', 'short']);
  });

  it('weighted-random: a weight of 1,000 against 1 takes (nearly) every call', async () => {
    h = await startHarness({
      queues: [{ id: 'q', strategy: 'weighted-random', ringTimeoutS: 3, wrapupS: 0 }],
      agents: [
        { id: 'light', endpoint: 'PJSIP/light', queues: [{ queue: 'q', weight: 1 }] },
        { id: 'heavy', endpoint: 'PJSIP/heavy', queues: [{ queue: 'q', weight: 1000 }] },
      ],
    });
    for (const id of ['light', 'heavy']) h.sim.setEndpoint(`PJSIP/${id}`, { kind: 'answer', ringMs: 50 });
    await ready('light', 'heavy');
    const picked = [];
    for (let i = 0; i < 3; i++) picked.push(await oneCall(i));
    expect(picked).toEqual(['heavy', 'heavy', 'heavy']); // P(light) = 1/1001 per call
  });

  it('ringall: every ready agent rings, the first to answer gets the caller, the other legs are hung up and their agents freed', async () => {
    h = await startHarness({ queues: [{ id: 'q', strategy: 'ringall', ringTimeoutS: 30, wrapupS: 0 }], agents: agents(['a1', 'a2', 'a3']) });
    for (const id of ['a1', 'a2', 'a3']) h.sim.setEndpoint(`PJSIP/${id}`, { kind: 'manual' });
    await ready('a1', 'a2', 'a3');
    const caller = h.sim.placeCall({ queue: 'q', callerNumber: '1' });
    const legs = await Promise.all(['a1', 'a2', 'a3'].map(ringingLeg));
    await waitFor(async () => (await Promise.all(['a1', 'a2', 'a3'].map(status))).every((s) => s === 'ringing'), 'all ringing');
    h.sim.answer(legs[1].id);
    const call = await h.waitForCall(caller, 'connected');
    expect(call).toMatchObject({ agentId: 'a2', agentChannel: legs[1].id });
    await waitFor(() => legsOf('a1').length === 0 && legsOf('a3').length === 0, 'other legs hung up');
    expect(await status('a1')).toBe('ready');
    expect(await status('a3')).toBe('ready');
    expect(await status('a2')).toBe('busy');
    const bridge = await waitFor(() => h.sim.bridges().find((b) => b.channelIds.includes(caller)), 'bridged');
    expect(bridge.channelIds.sort()).toEqual([caller, legs[1].id].sort());
    const events = await h.events();
    expect(events.filter((e) => e.type === 'AgentCalled').length).toBe(3);
    expect(events.filter((e) => e.type === 'AgentConnect').length).toBe(1);
  });

  it('ringall: when the caller hangs up, every ringing leg is hung up and every agent freed', async () => {
    h = await startHarness({ queues: [{ id: 'q', strategy: 'ringall', ringTimeoutS: 30, wrapupS: 0 }], agents: agents(['a1', 'a2']) });
    for (const id of ['a1', 'a2']) h.sim.setEndpoint(`PJSIP/${id}`, { kind: 'manual' });
    await ready('a1', 'a2');
    const caller = h.sim.placeCall({ queue: 'q', callerNumber: '1' });
    await Promise.all(['a1', 'a2'].map(ringingLeg));
    h.sim.hangup(caller, 16);
    await h.waitForEvent((e) => e.type === 'QueueCallerAbandon');
    await waitFor(() => legsOf('a1').length === 0 && legsOf('a2').length === 0, 'legs hung up');
    await waitFor(async () => (await status('a1')) === 'ready' && (await status('a2')) === 'ready', 'agents ready');
  });

  it('ringall: busy agents drop out, the caller waits for the last offer to fail before going back to the queue', async () => {
    h = await startHarness({ queues: [{ id: 'q', strategy: 'ringall', ringTimeoutS: 30, wrapupS: 0, busyRetryS: 60 }], agents: agents(['a1', 'a2']) });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'busy' });
    h.sim.setEndpoint('PJSIP/a2', { kind: 'manual' });
    await ready('a1', 'a2');
    const caller = h.sim.placeCall({ queue: 'q', callerNumber: '1' });
    await h.waitForEvent((e) => e.type === 'AgentRingNoAnswer' && e.agentId === 'a1');
    expect((await h.store.getCall(caller))?.state).toBe('offering');
    const leg = await ringingLeg('a2');
    h.sim.hangup(leg.id, 21); // a2 rejects
    await h.waitForEvent((e) => e.type === 'AgentRingNoAnswer' && e.agentId === 'a2');
    await h.waitForCall(caller, 'waiting');
  });

  it('ring-progressively: one more agent rings every step while the earlier ones keep ringing', async () => {
    h = await startHarness({ queues: [{ id: 'q', strategy: 'ring-progressively', ringStepS: 1, ringTimeoutS: 30, wrapupS: 0 }], agents: agents(['a1', 'a2', 'a3']) });
    for (const id of ['a1', 'a2', 'a3']) h.sim.setEndpoint(`PJSIP/${id}`, { kind: 'manual' });
    await ready('a1', 'a2', 'a3');
    const caller = h.sim.placeCall({ queue: 'q', callerNumber: '1' });
    const first = await ringingLeg('a1');
    const startedAt = Date.now();
    expect(legsOf('a2')).toEqual([]);
    const second = await ringingLeg('a2');
    expect(Date.now() - startedAt).toBeGreaterThan(700);
    expect(legsOf('a1').map((c) => c.id)).toEqual([first.id]); // still ringing
    expect(legsOf('a3')).toEqual([]);
    await waitFor(async () => (await status('a2')) === 'ringing', 'a2 ringing');
    h.sim.answer(second.id);
    const call = await h.waitForCall(caller, 'connected');
    expect(call.agentId).toBe('a2');
    await waitFor(() => legsOf('a1').length === 0, 'first leg hung up');
    expect(await status('a1')).toBe('ready');
    // The step timer fenced by the offer round rings nobody else: a2's ring step has run by now.
    const steps = async () => (await h.completedTimers()).filter((id) => id.startsWith(`ringNext__${caller}__`)).length;
    await waitFor(async () => (await steps()) >= 2, 'the step timer after a2', 5000);
    expect(legsOf('a3')).toEqual([]);
    expect(await status('a3')).toBe('ready');
  });
});

describe('rules over time', () => {
  it('escalation: a higher penalty tier rings once the caller waited long enough (no other event needed)', async () => {
    const file: ConfigFile = {
      queues: [{ id: 'q', maxPenalty: 0, penaltyRules: [{ afterS: 1, maxPenalty: 1 }], ringTimeoutS: 30, wrapupS: 0 }],
      agents: [
        { id: 'main', endpoint: 'PJSIP/main', queues: [{ queue: 'q', penalty: 0 }] },
        { id: 'backup', endpoint: 'PJSIP/backup', queues: [{ queue: 'q', penalty: 1 }] },
      ],
    };
    h = await startHarness(file);
    h.sim.setEndpoint('PJSIP/backup', { kind: 'answer', ringMs: 50 });
    await ready('backup');
    const caller = h.sim.placeCall({ queue: 'q', callerNumber: '1' });
    await waitFor(() => h.store.getCall(caller), 'queued');
    const call = await h.waitForCall(caller, 'connected', 5000);
    expect(call.agentId).toBe('backup');
    const join = (await h.events()).find((e) => e.type === 'QueueCallerJoin')!;
    const connect = (await h.events()).find((e) => e.type === 'AgentCalled')!;
    expect(connect.ts - join.ts).toBeGreaterThanOrEqual(1000);
  });

  it('lower penalty first: the main agent gets the call although the backup idled longer', async () => {
    h = await startHarness({
      queues: [{ id: 'q', ringTimeoutS: 30, wrapupS: 0 }],
      agents: [
        { id: 'backup', endpoint: 'PJSIP/backup', queues: [{ queue: 'q', penalty: 5 }] },
        { id: 'main', endpoint: 'PJSIP/main', queues: [{ queue: 'q', penalty: 0 }] },
      ],
    });
    for (const id of ['main', 'backup']) h.sim.setEndpoint(`PJSIP/${id}`, { kind: 'answer', ringMs: 50 });
    await ready('backup', 'main');
    expect(await oneCall(1)).toBe('main');
  });
});

describe('callers and agents', () => {
  it('a priority change while waiting moves the caller ahead of earlier callers', async () => {
    h = await startHarness({ queues: [{ id: 'q', ringTimeoutS: 30, wrapupS: 0 }], agents: agents(['a1']) });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'manual' });
    const first = h.sim.placeCall({ queue: 'q', callerNumber: '1' });
    await waitFor(() => h.store.getCall(first), 'first queued');
    const second = h.sim.placeCall({ queue: 'q', callerNumber: '2' });
    await waitFor(() => h.store.getCall(second), 'second queued');
    const changed = await h.engine.calls.setPriority(second, 3, { by: 'supervisor:s1' });
    expect(changed).toMatchObject({ id: second, priority: 3 });
    expect((await h.store.waitingCalls('q')).map((c) => c.id)).toEqual([second, first]);
    await ready('a1');
    await h.waitForCall(second, 'offering');
    expect((await h.store.getCall(first))?.state).toBe('waiting');
    await expect(h.engine.calls.setPriority(first, -1, { by: 'x' })).rejects.toMatchObject({ code: 'validation' });
  });

  it('maxNoAnswer: an agent who lets calls ring out stays ready until the limit, then goes not ready (rona)', async () => {
    h = await startHarness({ queues: [{ id: 'q', ringTimeoutS: 2, wrapupS: 0, maxNoAnswer: 2, retryS: 0 }], agents: agents(['a1']) });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'noanswer' });
    await ready('a1');
    const caller = h.sim.placeCall({ queue: 'q', callerNumber: '1' });
    await h.waitForEvent((e) => e.type === 'AgentRingNoAnswer');
    await waitFor(async () => (await h.events()).filter((e) => e.type === 'AgentRingNoAnswer').length === 2 || undefined, 'second RONA');
    await waitFor(async () => (await status('a1')) === 'not_ready' || undefined, 'not ready');
    expect((await h.store.getAgent('a1'))?.reason).toBe('rona');
    expect((await h.events()).filter((e) => e.type === 'AgentCalled')).toHaveLength(2);
    expect((await h.store.getCall(caller))?.state).toBe('waiting');
  });

  it('ring-in-use is off: an agent on a call in one queue is never offered a call of another', async () => {
    h = await startHarness({
      queues: [
        { id: 'q', ringTimeoutS: 30, wrapupS: 0 },
        { id: 'r', ringTimeoutS: 30, wrapupS: 0 },
      ],
      agents: [{ id: 'a1', endpoint: 'PJSIP/a1', queues: ['q', 'r'] }],
    });
    h.sim.setEndpoint('PJSIP/a1', { kind: 'answer', ringMs: 50 });
    await ready('a1');
    const first = h.sim.placeCall({ queue: 'q', callerNumber: '1' });
    await h.waitForCall(first, 'connected');
    const second = h.sim.placeCall({ queue: 'r', callerNumber: '2' });
    await waitFor(() => h.store.getCall(second), 'second queued');
    await h.engine.settled(); // the router has looked at the second caller
    expect((await h.store.getCall(second))?.state).toBe('waiting');
    expect(legsOf('a1')).toHaveLength(1);
    h.sim.hangup(first, 16);
    await h.waitForCall(second, 'connected');
  });
});

describe('skills', () => {
  const file: ConfigFile = {
    queues: [{ id: 'q', ringTimeoutS: 30, wrapupS: 0, steps: [{ timeoutS: 1, match: 'all' }, { match: 'levels-1' }] }],
    agents: [
      { id: 'en2', endpoint: 'PJSIP/en2', skills: { english: 2 }, queues: ['q'] },
      { id: 'en4', endpoint: 'PJSIP/en4', skills: { english: 4 }, queues: ['q'] },
    ],
  };

  it('a caller needing english:3 (Stasis args) gets the agent that has it, not the one idle longer', async () => {
    h = await startHarness(file);
    for (const id of ['en2', 'en4']) h.sim.setEndpoint(`PJSIP/${id}`, { kind: 'answer', ringMs: 50 });
    await ready('en2', 'en4');
    const caller = h.sim.placeCall({ queue: 'q', args: ['q', 'skills=english:3'], callerNumber: '1' });
    expect((await h.waitForCall(caller, 'connected')).agentId).toBe('en4');
  });

  it('relaxes to the next step when its timeout passes, with no other event', async () => {
    h = await startHarness(file);
    h.sim.setEndpoint('PJSIP/en2', { kind: 'answer', ringMs: 50 });
    await ready('en2');
    const caller = h.sim.placeCall({ queue: 'q', args: ['q', 'skills=english:3'], callerNumber: '1' });
    await waitFor(() => h.store.getCall(caller), 'queued');
    expect((await h.waitForCall(caller, 'connected', 5000)).agentId).toBe('en2');
    // Not before the first step's timeout: en2 lacks english:3.
    const join = (await h.events()).find((e) => e.type === 'QueueCallerJoin')!;
    const offer = (await h.events()).find((e) => e.type === 'AgentCalled')!;
    expect(offer.ts - join.ts).toBeGreaterThanOrEqual(1000);
  });
});

describe('requirements from the channel', () => {
  it('reads ACD_SKILLS when the Stasis args give none; args win; a malformed value is ignored', async () => {
    h = await startHarness({ queues: [{ id: 'q' }] });
    const pbx = createAriPbx({ url: h.sim.url, username: 'asterisk', password: 'asterisk', app: 'probe', logger: h.logger, reconnect: { minDelayMs: 20, maxDelayMs: 200 } });
    await pbx.start();
    try {
      const ctx = { pbx, logger: h.logger } as unknown as AcdContext; // the helper uses only these two
      const withVar = h.sim.placeCall({ queue: 'q' });
      const bad = h.sim.placeCall({ queue: 'q' });
      await waitFor(async () => (await h.store.getCall(withVar)) && (await h.store.getCall(bad)), 'queued');
      // As the dialplan's Set(ACD_SKILLS=...) before Stasis would have left it.
      await pbx.setVariable(withVar, 'ACD_SKILLS', 'English:3+billing:2');
      await pbx.setVariable(bad, 'ACD_SKILLS', 'english:9');
      expect(await requirementsFromChannel(ctx, withVar, { role: 'caller', queue: 'q', priority: 0, options: {} })).toEqual({ english: 3, billing: 2 });
      expect(await requirementsFromChannel(ctx, withVar, { role: 'caller', queue: 'q', priority: 0, skills: { french: 1 }, options: {} })).toEqual({ french: 1 });
      expect(await requirementsFromChannel(ctx, bad, { role: 'caller', queue: 'q', priority: 0, options: {} })).toEqual({});
      expect(await requirementsFromChannel(ctx, 'gone', { role: 'caller', queue: 'q', priority: 0, options: {} })).toEqual({});
      // The snapshot's variables (ari.conf channelvars) answer without a request, even for a channel gone meanwhile.
      const reads = h.sim.requests.length;
      expect(await requirementsFromChannel(ctx, 'gone', { role: 'caller', queue: 'q', priority: 0, options: {} }, { ACD_SKILLS: 'english:2' })).toEqual({ english: 2 });
      expect(await requirementsFromChannel(ctx, 'gone', { role: 'caller', queue: 'q', priority: 0, options: {} }, { ACD_SKILLS: '' })).toEqual({});
      expect(h.sim.requests.length).toBe(reads);
    } finally {
      await pbx.stop();
    }
  });
});
