/**
 * Random sequences of every transition (seeded, so a failure replays), with the store's
 * invariants checked after each step: idle sets, waiting sets, one call per agent, channel index.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { QueueDef } from '../../src/domain/queue.js';
import type { Skills } from '../../src/domain/routing.js';
import type { OfferOutcome } from '../../src/store/types.js';
import { agentDef, caller, createTestStore, queueDef, type TestStore } from '../helpers/store.js';
import { seededRandom } from '../helpers/seededRandom.js';

let t: TestStore;
beforeEach(() => {
  t = createTestStore();
});
afterEach(() => t.cleanup());

const QUEUES = ['q1', 'q2', 'q3'];
const AGENTS = ['a1', 'a2', 'a3', 'a4'];
const OUTCOMES: OfferOutcome[] = ['noanswer', 'busy', 'unavailable', 'rejected', 'failed'];
/** Repeats weight the draw. */
const ACTIONS = [
  ...['enqueue', 'enqueue', 'assignQueue', 'assignQueue', 'assignAgent', 'login', 'login', 'ready', 'ready', 'notReady', 'logout'],
  ...['memberships', 'ringing', 'connect', 'connect', 'offerFailed', 'endCall', 'endCall', 'endWrapup'],
  ...['priority', 'offerMore', 'strategy'],
] as const;
/** Routing set-ups the queues cycle through (strategy changes at run time are part of the game). */
const ROUTINGS: Partial<QueueDef>[] = [
  { strategy: 'ringall' },
  { strategy: 'round-robin', maxPenalty: 0, penaltyRules: [{ afterS: 0, maxPenalty: 1 }] },
  { strategy: 'ring-progressively', ringStepS: 1, steps: [{ timeoutS: 1, match: 'all' }, { match: 'none' }] },
  { strategy: 'weighted-random', maxNoAnswer: 2 },
  { strategy: 'longest-idle' },
];
const SKILLS: Skills[] = [{}, { english: 2 }, { english: 4, billing: 1 }];

it.each([1, 2, 3])('holds every invariant through random transitions (seed %i)', async (seed) => {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const someQueues = () => {
    const chosen = QUEUES.filter(() => random() < 0.5);
    return chosen.length > 0 ? chosen : [pick(QUEUES)];
  };
  const { store } = t;
  const queueOf = (q: string, i: number) => queueDef(q, { wrapupS: q === 'q3' ? 10 : 0, ...ROUTINGS[i % ROUTINGS.length] });
  for (const [i, q] of QUEUES.entries()) await store.upsertQueue(queueOf(q, i));
  const member = () => ({ ...agentDef(pick(AGENTS), []), queues: someQueues().map((queue) => ({ queue, penalty: Math.floor(random() * 2), weight: 1 + Math.floor(random() * 3) })), skills: pick(SKILLS) });
  for (const a of AGENTS) await store.upsertAgent({ ...member(), id: a });

  let nextCall = 0;
  let nextLeg = 0;
  const wrapups = new Map<string, number>();
  const ignore = () => undefined; // refused agent commands are part of the game

  for (let step = 0; step < 300; step++) {
    const calls = await store.listCalls();
    // Offer replies mostly concern calls being offered; the rest exercise the fences.
    const offered = calls.filter((c) => c.state !== 'waiting');
    const call = offered.length > 0 && random() < 0.8 ? pick(offered) : calls.length > 0 ? pick(calls) : undefined;
    const agent = pick(AGENTS);
    const action = pick(ACTIONS);
    const offers = call ? await store.callOffers(call.id) : [];
    const leg = (c: { agentChannel: string }) => (random() < 0.85 ? (offers.length > 0 ? pick(offers).agentChannel : c.agentChannel) : 'stale');
    switch (action) {
      case 'enqueue':
        await store.enqueue(caller(`c${++nextCall}`, pick(QUEUES), { priority: Math.floor(random() * 3), skills: pick(SKILLS) }));
        break;
      case 'assignQueue':
        await store.assign({ queue: pick(QUEUES) }, `leg${++nextLeg}`);
        break;
      case 'assignAgent':
        await store.assign({ agentId: agent }, `leg${++nextLeg}`);
        break;
      case 'login':
        await store.login(agent, undefined, { by: 'agent', ready: random() < 0.7 }).catch(ignore);
        break;
      case 'ready':
        await store.setReady(agent, { by: 'agent' }).catch(ignore);
        break;
      case 'notReady':
        await store.setNotReady(agent, pick(['lunch', 'break']), { by: 'agent' }).catch(ignore);
        break;
      case 'logout':
        await store.logout(agent, 'eod', { by: 'agent' }).catch(ignore);
        break;
      case 'memberships':
        await store.upsertAgent({ ...member(), id: agent });
        break;
      case 'priority':
        if (call) await store.setPriority(call.id, Math.floor(random() * 4)).catch(ignore);
        break;
      case 'offerMore':
        if (call) await store.offerMore(call.id, Number(await t.redis.hget(store.keys.call(call.id), 'round')), `leg${++nextLeg}`);
        break;
      case 'strategy':
        await store.upsertQueue(queueOf(pick(QUEUES), Math.floor(random() * ROUTINGS.length)));
        break;
      case 'ringing':
        if (call) await store.markRinging(call.id, leg(call));
        break;
      case 'connect':
        if (call) await store.connect(call.id, leg(call), `b-${call.id}`);
        break;
      case 'offerFailed':
        if (call) await store.offerFailed(call.id, leg(call), pick(OUTCOMES));
        break;
      case 'endCall':
        if (call) {
          const ended = await store.endCall(call.id, pick(['caller', 'agent', 'lost'] as const));
          if (ended?.wrapup) wrapups.set(ended.wrapup.agentId, ended.wrapup.version);
        }
        break;
      case 'endWrapup': {
        const version = wrapups.get(agent);
        if (version !== undefined) await store.endWrapup(agent, version - Math.floor(random() * 2));
        break;
      }
    }
    const problems = await t.violations();
    expect(problems, `step ${step}, action ${action}`).toEqual([]);
  }
  // The run must have exercised the interesting paths, or it proves little.
  const types = new Set((await store.readEvents('0', { count: 100_000 })).map((e) => e.event.type));
  // (AgentPendingStatus too, on the seeds whose commands hit a busy agent.)
  expect([...types].filter((type) => type !== 'AgentPendingStatus').sort()).toEqual(
    ['AgentCalled', 'AgentComplete', 'AgentConnect', 'AgentRingNoAnswer', 'AgentStatus', 'QueueCallerAbandon', 'QueueCallerJoin', 'QueueCallerLeave', 'QueueCallerPriority'].sort(),
  );
});
