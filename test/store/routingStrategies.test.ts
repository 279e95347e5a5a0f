/**
 * The routing scripts on real Redis: who is chosen, in what order, for every strategy, penalty
 * tiers and escalation, skills and step relaxation, priority changes, RONA counting and the
 * per-queue back-offs. Store invariants (pools, waiting groups, offers) are checked after each test.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { PinnedClock } from '../../src/store/clock.js';
import type { AgentDef, Membership, QueueDef } from '../../src/domain/queue.js';
import type { AcdEvent } from '../../src/domain/events.js';
import { agentDef, by, caller, queueDef, type TestStore, useTestStore } from '../helpers/store.js';

let t: TestStore;
// Time moves only when a test says so: idle-since order, talk time and step timeouts are exact.
let clock: PinnedClock;
useTestStore((store) => (t = store), (c) => (clock = c));
let legs = 0;
const leg = () => `leg-${++legs}`;

async function queue(id: string, over: Partial<QueueDef> = {}) {
  await t.store.upsertQueue(queueDef(id, over));
}

/** A ready agent; memberships default to penalty 0 in `q`. */
async function agent(id: string, memberships: Partial<Membership>[] = [{}], over: Partial<AgentDef> = {}) {
  const queues = memberships.map((m) => ({ queue: 'q', penalty: 0, ...m }));
  await t.store.upsertAgent({ ...agentDef(id, []), queues, ...over });
  await t.store.login(id, undefined, { ...by, ready: true });
  await clock.advance(3); // distinct idle-since times
}

/** Routes one caller by queue and hangs it up at once (the agent is ready again, wrap-up 0). */
async function pickFor(callId: string, q = 'q'): Promise<string | undefined> {
  await t.store.enqueue(caller(callId, q));
  const a = await t.store.assign({ queue: q }, leg());
  if (!a) return undefined;
  await t.store.connect(a.callId, a.agentChannel, `b-${a.callId}`);
  await t.store.endCall(a.callId, 'agent');
  await clock.advance(3);
  return a.agentId;
}

const events = async (): Promise<AcdEvent[]> => (await t.store.readEvents('0', { count: 10_000 })).map((e) => e.event);

describe('strategies', () => {
  it('longest-idle: the agent idle the longest, each time', async () => {
    await queue('q', { strategy: 'longest-idle' });
    for (const id of ['a1', 'a2', 'a3']) await agent(id);
    const order = [];
    for (let i = 0; i < 4; i++) order.push(await pickFor(`c${i}`));
    expect(order).toEqual(['a1', 'a2', 'a3', 'a1']);
  });

  it('linear: always the first free agent by position, whoever idled longest', async () => {
    await queue('q', { strategy: 'linear' });
    await agent('a1', [{ order: 3 }]);
    await agent('a2', [{ order: 1 }]);
    await agent('a3', [{ order: 2 }]);
    expect([await pickFor('c1'), await pickFor('c2')]).toEqual(['a2', 'a2']);
    // a2 busy: next by position.
    await t.store.enqueue(caller('held', 'q'));
    expect(await t.store.assign({ queue: 'q' }, leg())).toMatchObject({ agentId: 'a2' });
    expect(await pickFor('c3')).toBe('a3');
  });

  it('linear without explicit order: the order agents were created (config order)', async () => {
    await queue('q', { strategy: 'linear' });
    await agent('zed');
    await agent('amy');
    expect(await pickFor('c1')).toBe('zed');
  });

  it('round-robin: the agent after the last one offered, wrapping, memory shared by store instances', async () => {
    await queue('q', { strategy: 'round-robin' });
    await agent('a1', [{ order: 1 }]);
    await agent('a2', [{ order: 2 }]);
    await agent('a3', [{ order: 3 }]);
    expect(await pickFor('c1')).toBe('a1');
    expect(await pickFor('c2')).toBe('a2');
    // Another engine instance (own connection) continues the rotation.
    const other = t.twin();
    await other.enqueue(caller('c3', 'q'));
    const a = await other.assign({ queue: 'q' }, leg());
    expect(a?.agentId).toBe('a3');
    await other.endCall('c3', 'caller');
    expect(await pickFor('c4')).toBe('a1');
    // The next one is skipped while not ready; the rotation goes on after it.
    await t.store.setNotReady('a2', 'break', by);
    expect(await pickFor('c5')).toBe('a3');
  });

  it('fewest-calls: fewest answered calls first, then longest idle', async () => {
    await queue('q', { strategy: 'fewest-calls' });
    await agent('a1');
    await agent('a2');
    expect(await pickFor('c1')).toBe('a1'); // both 0: longest idle
    expect(await pickFor('c2')).toBe('a2'); // a1 has 1
    expect(await pickFor('c3')).toBe('a1'); // 1 each, a1 idle longer
    await agent('a3');
    expect(await pickFor('c4')).toBe('a3'); // 0 calls beats idle time
  });

  it('least-talk-time: the agent with the least total talk time', async () => {
    await queue('q', { strategy: 'least-talk-time' });
    await agent('a1');
    await agent('a2');
    await t.store.enqueue(caller('long', 'q'));
    const a = await t.store.assign({ queue: 'q' }, leg());
    expect(a?.agentId).toBe('a1');
    await t.store.connect('long', a!.agentChannel, 'b');
    await clock.advance(1100);
    await t.store.endCall('long', 'agent');
    expect(await pickFor('c1')).toBe('a2');
    expect(await pickFor('c2')).toBe('a2'); // a2 talked ~0 s, a1 1 s
  });

  async function distribution(strategy: QueueDef['strategy'], weights: number[], rounds: number) {
    await queue('q', { strategy });
    for (let i = 0; i < weights.length; i++) await agent(`a${i}`, [{ weight: weights[i] }]);
    await t.store.enqueue(caller('c', 'q'));
    const counts: Record<string, number> = {};
    for (let i = 0; i < rounds; i++) {
      const a = await t.store.assign({ queue: 'q' }, leg());
      counts[a!.agentId] = (counts[a!.agentId] ?? 0) + 1;
      await t.store.offerFailed('c', a!.agentChannel, 'failed', 0); // caller back, agent ready again
    }
    return counts;
  }

  it('random: every agent gets a fair share', async () => {
    const counts = await distribution('random', [1, 1, 1], 300);
    for (const id of ['a0', 'a1', 'a2']) expect(counts[id]).toBeGreaterThan(60);
  });

  it('weighted-random: shares follow the membership weights', async () => {
    const counts = await distribution('weighted-random', [1, 4], 300);
    const heavy = (counts.a1 ?? 0) / 300;
    expect(heavy).toBeGreaterThan(0.68);
    expect(heavy).toBeLessThan(0.92);
  });

  it('ringall: every ready agent of the best tier is offered at once; the first answer wins, the others are freed', async () => {
    await queue('q', { strategy: 'ringall' });
    await agent('a1');
    await agent('a2');
    await agent('a3');
    await agent('far', [{ penalty: 1 }]);
    await t.store.enqueue(caller('c1', 'q'));
    const { assignments } = await t.store.route({ queue: 'q' }, 'leg-x');
    expect(assignments.map((a) => a.agentId).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(assignments.map((a) => a.agentChannel).sort()).toEqual(['leg-x', 'leg-x-2', 'leg-x-3']);
    expect((await t.store.callOffers('c1')).length).toBe(3);
    expect(await t.violations()).toEqual([]);
    // One fails: the others ring on, the caller is not back in the queue.
    expect(await t.store.offerFailed('c1', 'leg-x-2', 'busy', 0)).toMatchObject({ ok: true, offersLeft: 2 });
    expect((await t.store.getCall('c1'))?.state).toBe('offering');
    expect(await t.store.markRinging('c1', 'leg-x-3')).toBe(true);
    // The call comes back as connected: the engine bridges from it without reading it.
    const connected = await t.store.connectOffer('c1', 'leg-x-3', 'b1');
    expect(connected).toEqual({ ok: true, released: ['leg-x'], call: await t.store.getCall('c1') });
    expect(connected.call).toMatchObject({ state: 'connected', agentChannel: 'leg-x-3', bridgeId: 'b1' });
    expect(await t.store.getCall('c1')).toMatchObject({ state: 'connected', agentId: assignments.find((a) => a.agentChannel === 'leg-x-3')!.agentId });
    const statuses = await Promise.all(['a1', 'a2', 'a3'].map(async (id) => (await t.store.getAgent(id))!.status));
    expect(statuses.sort()).toEqual(['busy', 'ready', 'ready']);
    expect(await t.store.callOffers('c1')).toEqual([]);
    // A late answer on a released leg changes nothing.
    expect(await t.store.connect('c1', 'leg-x', 'b2')).toBe(false);
    expect(await t.store.callIdByChannel('leg-x')).toBeUndefined();
  });

  it('ringall: the caller goes back to waiting only when the last offer fails; the caller hanging up frees every offered agent', async () => {
    await queue('q', { strategy: 'ringall' });
    await agent('a1');
    await agent('a2');
    await t.store.enqueue(caller('c1', 'q'));
    await t.store.route({ queue: 'q' }, 'L');
    expect(await t.store.offerFailed('c1', 'L', 'failed', 0)).toMatchObject({ offersLeft: 1 });
    expect(await t.store.getCall('c1')).toMatchObject({ state: 'offering', agentChannel: 'L-2' });
    expect(await t.store.offerFailed('c1', 'L-2', 'failed', 0)).toMatchObject({ offersLeft: 0 });
    expect((await t.store.getCall('c1'))?.state).toBe('waiting');
    await t.store.route({ queue: 'q' }, 'M');
    expect((await t.store.callOffers('c1')).length).toBe(2);
    await t.store.endCall('c1', 'caller');
    expect((await t.store.getAgent('a1'))?.status).toBe('ready');
    expect((await t.store.getAgent('a2'))?.status).toBe('ready');
  });

  it('ring-progressively: one agent first, one more per step, fenced by the offer round', async () => {
    await queue('q', { strategy: 'ring-progressively', ringStepS: 2 });
    await agent('a1');
    await agent('a2');
    await agent('a3');
    await t.store.enqueue(caller('c1', 'q'));
    const first = await t.store.assign({ queue: 'q' }, 'P1');
    expect(first).toMatchObject({ agentId: 'a1', ringStepS: 2, round: 1 });
    const second = await t.store.offerMore('c1', 1, 'P2');
    expect(second).toMatchObject({ round: 2, assignment: { agentId: 'a2', agentChannel: 'P2', round: 2 } });
    expect(await t.store.offerMore('c1', 1, 'P-stale')).toBeNull(); // an old step timer
    expect((await t.store.getAgent('a1'))?.status).toBe('reserved'); // the first keeps ringing
    await t.store.offerMore('c1', 2, 'P3');
    // Nobody left: the round moves on so the next step can try again.
    expect(await t.store.offerMore('c1', 3, 'P4')).toEqual({ round: 4 });
    await t.store.connect('c1', 'P2', 'b');
    expect(await t.store.offerMore('c1', 4, 'P5')).toBeNull();
    expect((await t.store.getAgent('a1'))?.status).toBe('ready');
    expect((await t.store.getAgent('a3'))?.status).toBe('ready');
  });

  it('a strategy change at run time re-orders the ready agents', async () => {
    await queue('q', { strategy: 'longest-idle' });
    await agent('a1', [{ order: 2 }]);
    await agent('a2', [{ order: 1 }]);
    await queue('q', { strategy: 'linear' });
    expect(await pickFor('c1')).toBe('a2');
  });
});

describe('penalties and escalation', () => {
  it('offers the lowest penalty tier first, whoever idled longest', async () => {
    await queue('q');
    await agent('backup', [{ penalty: 2 }]);
    await agent('main', [{ penalty: 0 }]);
    expect(await pickFor('c1')).toBe('main');
    await t.store.setNotReady('main', 'break', by);
    expect(await pickFor('c2')).toBe('backup');
  });

  it('penalty rules open higher tiers after a wait; the store says when to try again', async () => {
    await queue('q', { maxPenalty: 0, penaltyRules: [{ afterS: 1, maxPenalty: 1 }, { afterS: 30, maxPenalty: 5 }] });
    await agent('backup', [{ penalty: 1 }]);
    await agent('far', [{ penalty: 3 }]);
    await t.store.enqueue(caller('c1', 'q'));
    const joinedAt = (await t.store.getCall('c1'))!.joinedAt;
    const none = await t.store.route({ queue: 'q' }, leg());
    expect(none).toEqual({ assignments: [], retryAt: joinedAt + 1000 });
    // An agent trigger obeys the same ceiling.
    expect(await t.store.assign({ agentId: 'backup' }, leg())).toBeNull();
    await clock.advance(1050);
    expect(await t.store.assign({ queue: 'q' }, leg())).toMatchObject({ agentId: 'backup' });
  });
});

describe('skills', () => {
  beforeEach(async () => {
    await queue('q', { steps: [{ timeoutS: 1, match: 'all' }, { timeoutS: 1, match: 'levels-1' }, { match: 'none' }] });
  });

  it('offers the best match, then the longest idle', async () => {
    await agent('weak', [{}], { skills: { english: 2 } });
    await agent('good', [{}], { skills: { english: 4 } });
    await agent('best', [{}], { skills: { english: 5, billing: 3 } });
    await agent('other', [{}], { skills: { english: 4 } });
    await t.store.enqueue(caller('c1', 'q', { skills: { english: 3 } }));
    expect(await t.store.assign({ queue: 'q' }, leg())).toMatchObject({ agentId: 'best' });
    await t.store.enqueue(caller('c2', 'q', { skills: { english: 3 } }));
    expect(await t.store.assign({ queue: 'q' }, leg())).toMatchObject({ agentId: 'good' });
  });

  it('relaxes step by step: levels-1 after the first timeout, any agent after the second', async () => {
    await agent('e2', [{}], { skills: { english: 2 } });
    await t.store.enqueue(caller('c1', 'q', { skills: { english: 3, billing: 1 } }));
    const joinedAt = (await t.store.getCall('c1'))!.joinedAt;
    expect(await t.store.route({ queue: 'q' }, leg())).toEqual({ assignments: [], retryAt: joinedAt + 1000 });
    await clock.advance(1050);
    // levels-1: english 2 would do, but billing is still required.
    expect(await t.store.route({ queue: 'q' }, leg())).toEqual({ assignments: [], retryAt: joinedAt + 2000 });
    await clock.advance(1000);
    expect(await t.store.assign({ queue: 'q' }, leg())).toMatchObject({ agentId: 'e2' });
  });

  it('serves a later caller whose needs an agent meets, ahead of an unmatched head; same for an agent trigger', async () => {
    await t.store.upsertAgent(agentDef('e2', ['q'], { skills: { english: 2 } }));
    await t.store.login('e2', undefined, by);
    await t.store.enqueue(caller('fussy', 'q', { skills: { german: 3 } }));
    await t.store.enqueue(caller('easy', 'q', { skills: { english: 1 } }));
    await t.store.enqueue(caller('plain', 'q'));
    await t.store.setReady('e2', by);
    expect(await t.store.assign({ agentId: 'e2' }, leg())).toMatchObject({ callId: 'easy' });
    await t.store.endCall('easy', 'caller');
    expect(await t.store.assign({ queue: 'q' }, leg())).toMatchObject({ callId: 'plain' });
    expect((await t.store.waitingCalls('q')).map((c) => c.id)).toEqual(['fussy']);
  });

  it('skill changes of a ready agent apply at once', async () => {
    await agent('x', [{}], { skills: { english: 1 } });
    await t.store.enqueue(caller('c1', 'q', { skills: { english: 3 } }));
    expect(await t.store.assign({ queue: 'q' }, leg())).toBeNull();
    await t.store.upsertAgent({ ...agentDef('x', ['q']), skills: { english: 3 } });
    expect(await t.store.assign({ queue: 'q' }, leg())).toMatchObject({ agentId: 'x' });
  });
});

describe('caller priority', () => {
  it('moves a waiting caller to its new band, keeping its arrival order in it', async () => {
    await queue('q');
    await t.store.enqueue(caller('p5-early', 'q', { priority: 5 }));
    await t.store.enqueue(caller('c1', 'q'));
    await t.store.enqueue(caller('c2', 'q'));
    await t.store.enqueue(caller('p5-late', 'q', { priority: 5 }));
    expect(await t.store.setPriority('c2', 5)).toEqual({ priority: 5, position: 2 });
    expect((await t.store.waitingCalls('q')).map((c) => c.id)).toEqual(['p5-early', 'c2', 'p5-late', 'c1']);
    expect(await t.store.setPriority('c2', 0)).toEqual({ priority: 0, position: 4 });
    expect((await t.store.waitingCalls('q')).map((c) => c.id)).toEqual(['p5-early', 'p5-late', 'c1', 'c2']);
    expect((await events()).filter((e) => e.type === 'QueueCallerPriority')).toEqual([
      expect.objectContaining({ callId: 'c2', priority: 5, previous: 0 }),
      expect.objectContaining({ callId: 'c2', priority: 0, previous: 5 }),
    ]);
    // The router follows the new order.
    await agent('a1');
    expect(await t.store.assign({ queue: 'q' }, leg())).toMatchObject({ callId: 'p5-early' });
  });

  it('keeps an offered caller in its new band when the offer fails; refuses bad input and connected calls', async () => {
    await queue('q');
    await agent('a1');
    await t.store.enqueue(caller('c1', 'q'));
    await t.store.enqueue(caller('c2', 'q'));
    const a = await t.store.assign({ queue: 'q' }, leg());
    expect(await t.store.setPriority('c1', 0)).toEqual({ priority: 0, position: 0 });
    await t.store.setPriority('c2', 9);
    await t.store.offerFailed('c1', a!.agentChannel, 'failed', 0);
    expect((await t.store.waitingCalls('q')).map((c) => c.id)).toEqual(['c2', 'c1']);
    await expect(t.store.setPriority('c1', 1000)).rejects.toMatchObject({ code: 'validation' });
    await expect(t.store.setPriority('nope', 1)).rejects.toMatchObject({ code: 'call_not_found' });
    const b = await t.store.assign({ queue: 'q' }, leg());
    await t.store.connect(b!.callId, b!.agentChannel, 'b');
    await expect(t.store.setPriority('c2', 1)).rejects.toMatchObject({ code: 'invalid_state' });
  });
});

describe('unanswered and failed offers', () => {
  it('maxNoAnswer: not ready only after that many consecutive RONAs; an answer resets the count', async () => {
    await queue('q', { maxNoAnswer: 2, retryS: 0 });
    await agent('a1');
    await t.store.enqueue(caller('c1', 'q'));
    const ring = async () => (await t.store.assign({ queue: 'q' }, leg()))!;
    expect(await t.store.offerFailed('c1', (await ring()).agentChannel, 'noanswer')).toMatchObject({ ok: true, backoffMs: 0 });
    expect((await t.store.getAgent('a1'))?.status).toBe('ready');
    const answered = await ring();
    await t.store.connect('c1', answered.agentChannel, 'b');
    await t.store.endCall('c1', 'agent');
    await t.store.enqueue(caller('c2', 'q'));
    await t.store.offerFailed('c2', (await ring()).agentChannel, 'noanswer');
    expect((await t.store.getAgent('a1'))?.status).toBe('ready');
    await t.store.offerFailed('c2', (await ring()).agentChannel, 'noanswer');
    expect(await t.store.getAgent('a1')).toMatchObject({ status: 'not_ready', reason: 'rona' });
  });

  it('applies the queue back-offs: busyRetryS, rejectRetryS, else retryS, else the engine default', async () => {
    await queue('q', { retryS: 7, busyRetryS: 3, rejectRetryS: 11 });
    await queue('plain');
    await agent('a1', [{}, { queue: 'plain' }]);
    const failWith = async (q: string, callId: string, outcome: 'busy' | 'rejected' | 'unavailable') => {
      await t.store.enqueue(caller(callId, q));
      await t.store.setNotReady('a1', 'break', by); // any status change ends a back-off
      await t.store.setReady('a1', by);
      const a = await t.store.assign({ queue: q }, leg());
      const result = await t.store.offerFailed(callId, a!.agentChannel, outcome, 500);
      await t.store.endCall(callId, 'caller');
      return result.backoffMs;
    };
    expect(await failWith('q', 'b', 'busy')).toBe(3000);
    expect(await failWith('q', 'r', 'rejected')).toBe(11_000);
    expect(await failWith('q', 'u', 'unavailable')).toBe(7000);
    expect(await failWith('plain', 'd', 'busy')).toBe(500);
    // While backing off the agent is ready but out of the pools; its own trigger ends the back-off once due.
    await t.store.enqueue(caller('later', 'plain'));
    expect(await t.store.assign({ queue: 'plain' }, leg())).toBeNull();
    expect(await t.store.assign({ agentId: 'a1' }, leg())).toBeNull();
    await clock.advance(550);
    expect(await t.store.assign({ agentId: 'a1' }, leg())).toMatchObject({ callId: 'later' });
  });
});

describe('index self-defence', () => {
  it('never offers an agent left in a pool by a script that bypassed the pool helpers, and drops the entry', async () => {
    await queue('q');
    await agent('a1');
    await agent('a2');
    // Raw edit: a1 leaves the queue without leaving its pool.
    await t.redis.hdel(t.store.keys.agentQueues('a1'), 'q');
    await t.redis.hdel(t.store.keys.queueMembers('q'), 'a1');
    await t.redis.zrem(t.store.keys.queueIdle('q'), 'a1');
    await t.redis.hincrby(t.store.keys.queueCounts('q'), 'ready', -1);
    await t.store.enqueue(caller('c1', 'q'));
    expect(await t.store.assign({ queue: 'q' }, leg())).toMatchObject({ agentId: 'a2' });
    expect(await t.redis.zscore(t.store.keys.queuePool('q', 0, ''), 'a1')).toBeNull();
  });

  it('routes a caller put in a waiting zset without its requirement group once it is the head', async () => {
    await queue('q');
    await agent('a1');
    await t.store.enqueue(caller('c1', 'q'));
    await t.redis.zrem(t.store.keys.queueWaitingSig('q', ''), 'c1');
    await t.redis.srem(t.store.keys.queueSigs('q'), '');
    expect(await t.store.assign({ queue: 'q' }, leg())).toMatchObject({ callId: 'c1', agentId: 'a1' });
  });
});
