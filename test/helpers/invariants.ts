/**
 * Reads a tenant's whole raw state and lists every broken store invariant (empty = healthy):
 * - an agent is in a queue's idle set iff it is ready (hence logged in) and a member;
 * - routing pools: an agent is in the pool "<penalty>|<profile>" of a queue iff it is ready, a
 *   member with that penalty, has that skill profile, is not in a back-off, and its phone is not
 *   in use outside the ACD when the queue has ringInUse false; a queue's pools index lists
 *   exactly its non-empty pools, scored by penalty;
 * - a waiting call is in exactly its queue's waiting zset, other calls in none, and in the
 *   requirement group of its skills (same score); the groups index lists the non-empty groups;
 * - an offering call holds its offers (agent legs, one of them the call's agentChannel), each
 *   agent reserved/ringing on it; a connected call holds its agent busy and no offers; no agent
 *   is held twice; an agent that is reserved/ringing/busy is held by the call it names;
 * - the channel index maps exactly the channels of the active calls;
 * - a queue's counters (members per status) match its members' statuses.
 */
import type { Redis } from 'ioredis';
import type { StoreKeys } from '../../src/store/keys.js';

type Hash = Record<string, string>;

async function hashes(redis: Redis, keys: string[]): Promise<Hash[]> {
  return Promise.all(keys.map((k) => redis.hgetall(k)));
}

async function poolProblems(redis: Redis, keys: StoreKeys, q: string, agents: Map<string, { hash: Hash; queues: string[]; penalties: Hash }>): Promise<string[]> {
  const problems: string[] = [];
  const expected = new Map<string, Set<string>>();
  const ringInUse = (await redis.hget(keys.queue(q), 'ringInUse')) !== '0';
  for (const [id, a] of agents) {
    if (a.hash.status !== 'ready' || a.hash.availableAt !== undefined || !a.queues.includes(q)) continue;
    if (!ringInUse && a.hash.deviceInUse === '1') continue;
    const member = `${a.penalties[q]}|${a.hash.profile ?? ''}`;
    if (!expected.has(member)) expected.set(member, new Set());
    expected.get(member)!.add(id);
  }
  const index = await redis.zrange(keys.queuePools(q), '0', '-1', 'WITHSCORES');
  const listed = new Set<string>();
  for (let i = 0; i < index.length; i += 2) {
    listed.add(index[i]);
    if (Number(index[i + 1]) !== Number(index[i].split('|')[0])) problems.push(`pool ${index[i]} of ${q} scored ${index[i + 1]}`);
  }
  const members = new Set([...expected.keys(), ...listed]);
  for (const member of members) {
    const [penalty, profile] = [member.slice(0, member.indexOf('|')), member.slice(member.indexOf('|') + 1)];
    const inPool = new Set(await redis.zrange(keys.queuePool(q, penalty, profile), '0', '-1'));
    const want = expected.get(member) ?? new Set<string>();
    if (listed.has(member) !== want.size > 0) problems.push(`pools index of ${q} ${listed.has(member) ? 'lists empty' : 'misses'} pool ${member}`);
    for (const id of want) if (!inPool.has(id)) problems.push(`agent ${id} missing from pool ${member} of ${q}`);
    for (const id of inPool) if (!want.has(id)) problems.push(`agent ${id} (${agents.get(id)?.hash.status}) wrongly in pool ${member} of ${q}`);
  }
  return problems;
}

async function waitingGroupProblems(redis: Redis, keys: StoreKeys, q: string, calls: Map<string, Hash>): Promise<string[]> {
  const problems: string[] = [];
  const expected = new Map<string, Map<string, string>>();
  for (const [id, c] of calls) {
    if (c.state !== 'waiting' || c.queue !== q) continue;
    const sig = c.skills ?? '';
    if (!expected.has(sig)) expected.set(sig, new Map());
    expected.get(sig)!.set(id, c.score);
  }
  const listed = new Set(await redis.smembers(keys.queueSigs(q)));
  for (const sig of new Set([...expected.keys(), ...listed])) {
    const want = expected.get(sig) ?? new Map<string, string>();
    if (listed.has(sig) !== want.size > 0) problems.push(`waiting groups of ${q} ${listed.has(sig) ? 'list empty' : 'miss'} group '${sig}'`);
    const got = await redis.zrange(keys.queueWaitingSig(q, sig), '0', '-1', 'WITHSCORES');
    const seen = new Set<string>();
    for (let i = 0; i < got.length; i += 2) {
      seen.add(got[i]);
      if (!want.has(got[i])) problems.push(`call ${got[i]} wrongly in waiting group '${sig}' of ${q}`);
      else if (Number(got[i + 1]) !== Number(want.get(got[i]))) problems.push(`call ${got[i]} scored ${got[i + 1]} in group '${sig}', ${want.get(got[i])} in its hash`);
    }
    for (const id of want.keys()) if (!seen.has(id)) problems.push(`waiting call ${id} missing from group '${sig}' of ${q}`);
  }
  return problems;
}

/** Counters and member statuses read in one MULTI: a snapshot, even while the engine still moves agents. */
async function countProblems(redis: Redis, keys: StoreKeys, q: string): Promise<string[]> {
  const members = Object.keys(await redis.hgetall(keys.queueMembers(q)));
  const tx = redis.multi().hgetall(keys.queueCounts(q)).hkeys(keys.queueMembers(q));
  for (const id of members) tx.hget(keys.agent(id), 'status');
  const replies = ((await tx.exec()) ?? []).map(([, value]) => value);
  const [counts, nowMembers, ...statuses] = replies as [Hash, string[], ...(string | null)[]];
  if (nowMembers.length !== members.length) return countProblems(redis, keys, q); // membership changed meanwhile
  const want: Record<string, number> = {};
  for (const status of statuses) if (status && status !== 'logged_out') want[status] = (want[status] ?? 0) + 1;
  const got = Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== '0').map(([st, n]) => [st, Number(n)]));
  const sorted = (o: Record<string, number>) => JSON.stringify(Object.fromEntries(Object.entries(o).sort()));
  return sorted(got) === sorted(want) ? [] : [`counters of ${q}: ${sorted(got)}, members say ${sorted(want)}`];
}

export async function findViolations(redis: Redis, keys: StoreKeys): Promise<string[]> {
  const problems: string[] = [];
  const agentIds = await redis.smembers(keys.agents);
  const agents = new Map<string, { hash: Hash; queues: string[]; penalties: Hash }>();
  for (const id of agentIds) {
    const [hash, memberships] = await hashes(redis, [keys.agent(id), keys.agentQueues(id)]);
    agents.set(id, { hash, queues: Object.keys(memberships), penalties: memberships });
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
    problems.push(...(await countProblems(redis, keys, q)));
    problems.push(...(await poolProblems(redis, keys, q, agents)));
    problems.push(...(await waitingGroupProblems(redis, keys, q, calls)));
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
    const offers = await redis.hgetall(keys.callOffers(id));
    const legs = c.state === 'connected' ? { [c.agentChannel]: c.agentId } : offers;
    if (c.state === 'connected' && Object.keys(offers).length > 0) problems.push(`connected call ${id} still has offers`);
    if (c.state === 'offering' && offers[c.agentChannel] !== c.agentId) problems.push(`offering call ${id}: ${c.agentChannel} → ${c.agentId} is not one of its offers`);
    for (const [channel, agentId] of Object.entries(legs)) {
      expectedChannels.set(channel, id);
      if (holder.has(agentId)) problems.push(`agent ${agentId} held by calls ${holder.get(agentId)} and ${id}`);
      holder.set(agentId, id);
      const agent = agents.get(agentId)?.hash;
      const expected = c.state === 'connected' ? ['busy'] : ['reserved', 'ringing'];
      if (!agent || !expected.includes(agent.status) || agent.call !== id) problems.push(`${c.state} call ${id}: agent ${agentId} is ${agent?.status} on '${agent?.call}'`);
    }
  }
  for (const [id, a] of agents) {
    if (['reserved', 'ringing', 'busy'].includes(a.hash.status) && holder.get(id) !== a.hash.call) problems.push(`agent ${id} ${a.hash.status} on ${a.hash.call} without that call`);
    // A status asked for the end of the call lives only while the agent is on a call (changeStatus-2.lua).
    if (a.hash.pendingStatus !== undefined && !['reserved', 'ringing', 'busy'].includes(a.hash.status)) problems.push(`agent ${id} ${a.hash.status} keeps pending ${a.hash.pendingStatus}`);
    if (a.hash.availableAt !== undefined && a.hash.status !== 'ready') problems.push(`agent ${id} ${a.hash.status} in a busy back-off`);
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
