/**
 * Reads a tenant's whole raw state and lists every broken store invariant (empty = healthy):
 * - an agent is in a queue's idle set iff it is ready (hence logged in) and a member;
 * - a waiting call is in exactly its queue's waiting zset, other calls in none;
 * - an offering/connected call holds its agent (reserved/ringing or busy) and no agent is held
 *   by two calls; an agent that is reserved/ringing/busy is held by the call it names;
 * - the channel index maps exactly the channels of the active calls.
 */
import type { Redis } from 'ioredis';
import type { StoreKeys } from '../../src/store/keys.js';

type Hash = Record<string, string>;

async function hashes(redis: Redis, keys: string[]): Promise<Hash[]> {
  return Promise.all(keys.map((k) => redis.hgetall(k)));
}

export async function findViolations(redis: Redis, keys: StoreKeys): Promise<string[]> {
  const problems: string[] = [];
  const agentIds = await redis.smembers(keys.agents);
  const agents = new Map<string, { hash: Hash; queues: string[] }>();
  for (const id of agentIds) {
    const [hash, memberships] = await hashes(redis, [keys.agent(id), keys.agentQueues(id)]);
    agents.set(id, { hash, queues: Object.keys(memberships) });
  }
  const callIds = await redis.smembers(keys.calls);
  const calls = new Map<string, Hash>();
  for (const id of callIds) calls.set(id, await redis.hgetall(keys.call(id)));

  const queueIds = new Set(await redis.smembers(keys.queues));
  for (const a of agents.values()) a.queues.forEach((q) => queueIds.add(q));
  for (const c of calls.values()) queueIds.add(c.queue);

  for (const q of queueIds) {
    const idle = new Set(await redis.zrange(keys.queueIdle(q), '0', '-1'));
    const members = new Set(Object.keys(await redis.hgetall(keys.queueMembers(q))));
    for (const [id, a] of agents) {
      const shouldIdle = a.hash.status === 'ready' && a.queues.includes(q);
      if (shouldIdle !== idle.has(id)) problems.push(`agent ${id} (${a.hash.status}) ${idle.has(id) ? 'in' : 'missing from'} idle set of ${q}`);
      if (a.queues.includes(q) !== members.has(id)) problems.push(`agent ${id} membership of ${q} disagrees with the queue's members`);
    }
    for (const id of idle) if (!agents.has(id)) problems.push(`unknown agent ${id} idle in ${q}`);
    for (const callId of await redis.zrange(keys.queueWaiting(q), '0', '-1')) {
      const call = calls.get(callId);
      if (!call || call.state !== 'waiting' || call.queue !== q) problems.push(`call ${callId} (${call?.state}, ${call?.queue}) in waiting set of ${q}`);
    }
  }

  const holder = new Map<string, string>();
  const expectedChannels = new Map<string, string>();
  for (const [id, c] of calls) {
    expectedChannels.set(c.callerChannel, id);
    if (c.state === 'waiting') {
      if ((await redis.zscore(keys.queueWaiting(c.queue), id)) === null) problems.push(`waiting call ${id} not in its waiting set`);
      continue;
    }
    expectedChannels.set(c.agentChannel, id);
    if (holder.has(c.agentId)) problems.push(`agent ${c.agentId} held by calls ${holder.get(c.agentId)} and ${id}`);
    holder.set(c.agentId, id);
    const agent = agents.get(c.agentId)?.hash;
    const expected = c.state === 'connected' ? ['busy'] : ['reserved', 'ringing'];
    if (!agent || !expected.includes(agent.status) || agent.call !== id) problems.push(`${c.state} call ${id}: agent ${c.agentId} is ${agent?.status} on '${agent?.call}'`);
  }
  for (const [id, a] of agents) {
    if (['reserved', 'ringing', 'busy'].includes(a.hash.status) && holder.get(id) !== a.hash.call) problems.push(`agent ${id} ${a.hash.status} on ${a.hash.call} without that call`);
  }

  const chan = await redis.hgetall(keys.chan);
  for (const [channel, callId] of Object.entries(chan)) {
    if (expectedChannels.get(channel) !== callId) problems.push(`channel index ${channel} → ${callId} is stale`);
  }
  for (const [channel, callId] of expectedChannels) {
    if (chan[channel] !== callId) problems.push(`channel ${channel} of call ${callId} is not indexed`);
  }
  return problems;
}
