/**
 * The read endpoints' counters and call indexes (src/store/countOps.ts) agree with a scan of every
 * agent and call after each step of random transitions (seeded), and a tenant whose counters
 * predate them (older data) is counted right on its first read.
 */
import { expect, it } from 'vitest';
import type { AgentSnapshot } from '../../src/domain/agent.js';
import { statusCounts } from '../../src/stats/figures.js';
import type { TenantLoad } from '../../src/store/countOps.js';
import type { RedisStore } from '../../src/store/redisStore.js';
import { agentDef, caller, queueDef, type TestStore, useTestStore } from '../helpers/store.js';
import { seededRandom } from '../helpers/seededRandom.js';

let t: TestStore;
useTestStore((store) => (t = store));

const QUEUES = ['q1', 'q2', 'q3'];
const AGENTS = ['a1', 'a2', 'a3', 'a4', 'a5'];

function reasonsOf(agents: AgentSnapshot[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of agents) if (a.status === 'not_ready') out[a.reason] = (out[a.reason] ?? 0) + 1;
  return out;
}

/** What the counters must say, computed the slow way: every agent and call read. */
async function scanned(store: RedisStore): Promise<TenantLoad> {
  const [agents, calls] = await Promise.all([store.listAgents(), store.listCalls()]);
  return {
    agents: { byStatus: statusCounts(agents), notReadyByReason: reasonsOf(agents) },
    queues: QUEUES.map((queue) => {
      const members = agents.filter((a) => a.queues.includes(queue));
      return {
        queue,
        byStatus: statusCounts(members),
        notReadyByReason: reasonsOf(members),
        calls: calls.filter((c) => c.queue === queue).map(({ id, state, joinedAt }) => ({ id, state, joinedAt })),
      };
    }),
  };
}

it.each([1, 2, 3])('agree with a scan of every agent and call through random transitions (seed %i)', async (seed) => {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const { store } = t;
  for (const q of QUEUES) await store.upsertQueue(queueDef(q, { wrapupS: q === 'q3' ? 10 : 0 }));
  const memberships = () => {
    const chosen = QUEUES.filter(() => random() < 0.5);
    return chosen.length > 0 || random() < 0.2 ? chosen : [pick(QUEUES)]; // now and then an agent of no queue
  };
  for (const a of AGENTS) await store.upsertAgent(agentDef(a, memberships()));
  const ignore = () => undefined; // refused commands are part of the game
  let nextCall = 0;
  let nextLeg = 0;
  for (let step = 0; step < 400; step++) {
    const calls = await store.listCalls();
    const call = calls.length > 0 ? pick(calls) : undefined;
    const offering = calls.filter((c) => c.state === 'offering');
    const offered = offering.length > 0 ? pick(offering) : undefined;
    const leg = offered ? ((await store.callOffers(offered.id))[0]?.agentChannel ?? offered.agentChannel) : '';
    const agent = pick(AGENTS);
    const action = pick(['enqueue', 'enqueue', 'assign', 'assign', 'connect', 'offerFailed', 'offerFailed', 'endCall', 'leave', 'overflow', 'login', 'ready', 'notReady', 'notReady', 'logout', 'memberships'] as const);
    switch (action) {
      case 'enqueue':
        await store.enqueue(caller(`c${++nextCall}`, pick(QUEUES)));
        break;
      case 'assign':
        await store.route({ queue: pick(QUEUES) }, `leg${++nextLeg}`);
        break;
      case 'connect':
        if (offered) await store.connect(offered.id, leg, `b-${offered.id}`);
        break;
      case 'offerFailed':
        if (offered) await store.offerFailed(offered.id, leg, 'noanswer');
        break;
      case 'endCall':
        if (call) await store.endCall(call.id, pick(['caller', 'agent', 'lost'] as const));
        break;
      case 'leave':
        if (call) await store.leaveQueue(call.id, 'TIMEOUT');
        break;
      case 'overflow':
        if (call) await store.leaveQueue(call.id, 'TIMEOUT', { overflowTo: pick(QUEUES) });
        break;
      case 'login':
        await store.login(agent, `PJSIP/${agent}`, { by: 'agent', ready: random() < 0.6 }).catch(ignore);
        break;
      case 'ready':
        await store.setReady(agent, { by: 'agent' }).catch(ignore);
        break;
      case 'notReady':
        await store.setNotReady(agent, pick(['lunch', 'break', '']), { by: 'agent' }).catch(ignore);
        break;
      case 'logout':
        await store.logout(agent, 'eod', { by: 'agent' }).catch(ignore);
        break;
      case 'memberships':
        await store.upsertAgent(agentDef(agent, memberships()));
        break;
    }
    const want = await scanned(store);
    expect(await store.load(QUEUES), `step ${step}, ${action}`).toEqual(want);
    // No ended call lingers in an index (the read skips such ids, so only this would show a leak).
    for (const q of want.queues) expect(await t.redis.zrange(store.keys.queueCallIndex(q.queue), '0', '-1'), `step ${step}, ${action}`).toEqual(q.calls.map((c) => c.id));
  }
  // The walk must have met the states that matter, or it proves little.
  const types = new Set((await store.readEvents('0', { count: 100_000 })).map((e) => e.event.type));
  for (const type of ['AgentConnect', 'AgentComplete', 'QueueCallerAbandon', 'QueueCallerLeave', 'AgentRingNoAnswer']) expect(types).toContain(type);
});

it('counts a tenant whose counters predate them (older data) right on its first read, then keeps them', async () => {
  const { store } = t;
  for (const q of QUEUES) await store.upsertQueue(queueDef(q));
  await store.upsertAgent(agentDef('a1', ['q1', 'q2']));
  await store.upsertAgent(agentDef('a2', ['q2']));
  await store.login('a1', 'PJSIP/a1', { by: 'agent' });
  await store.setNotReady('a1', 'lunch', { by: 'agent' });
  await store.login('a2', 'PJSIP/a2', { by: 'agent', ready: true });
  await store.enqueue(caller('c1', 'q2'));
  const keys = store.keys;
  // As an engine before these counters left its data: none of them.
  await t.redis.del(keys.agentCounts, ...QUEUES.flatMap((q) => [keys.queueReasons(q), keys.queueCallIndex(q)]));
  expect((await store.queueCalls('q2')).map((c) => c.id)).toEqual(['c1']); // a read of one queue's calls alone rebuilds too
  expect(await store.load(QUEUES)).toEqual(await scanned(store));
  await store.setReady('a1', { by: 'agent' });
  await store.endCall('c1', 'caller');
  expect(await store.load(QUEUES)).toEqual(await scanned(store));
  expect(await t.redis.hget(keys.agentCounts, 'counted')).toBe('1');
});

it('refuses a queue id that is no id before any command', async () => {
  await expect(t.store.load(['q1:members'])).rejects.toMatchObject({ code: 'validation' });
});
