/** Turning script replies and stored hashes into domain objects. Pure functions. */
import type { AgentSnapshot, AgentStatus, PendingStatus } from '../domain/agent.js';
import type { CallSnapshot, CallState } from '../domain/call.js';
import type { QueueDef } from '../domain/queue.js';
import type { Strategy } from '../domain/routing.js';
import type { Assignment, RouteResult } from './types.js';

export type Hash = Record<string, string>;

/** HGETALL as returned inside a Lua reply: [field, value, field, value, ...]. */
export function hashFromFlat(flat: string[]): Hash {
  const hash: Hash = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]] = flat[i + 1];
  return hash;
}

const num = (value: string | undefined) => Number(value ?? 0);

/** Queues ordered by penalty (preferred first), then id. */
export function agentFromHash(agent: Hash, memberships: Hash): AgentSnapshot {
  const queues = Object.entries(memberships)
    .sort(([qa, pa], [qb, pb]) => num(pa) - num(pb) || qa.localeCompare(qb))
    .map(([queue]) => queue);
  return {
    id: agent.id,
    name: agent.name ?? '',
    status: agent.status as AgentStatus,
    reason: agent.reason ?? '',
    since: num(agent.since),
    endpoint: agent.endpoint ?? '',
    callId: agent.call ?? '',
    version: num(agent.version),
    queues,
    callsTaken: num(agent.callsTaken),
    deviceInUse: agent.deviceInUse === '1',
    ...(agent.lostTalk ? { lostTalk: agent.lostTalk } : {}),
    ...(agent.pendingStatus ? { pending: { status: agent.pendingStatus as PendingStatus, reason: agent.pendingReason ?? '' } } : {}),
  };
}

/** Login / status command reply: {agent HGETALL, memberships HGETALL}. */
export function agentFromReply(reply: unknown): AgentSnapshot {
  const [agent, memberships] = reply as [string[], string[]];
  return agentFromHash(hashFromFlat(agent), hashFromFlat(memberships));
}

export function callFromHash(call: Hash): CallSnapshot {
  return {
    id: call.id,
    queue: call.queue,
    state: call.state as CallState,
    callerChannel: call.callerChannel,
    callerNumber: call.callerNumber,
    callerName: call.callerName,
    priority: num(call.priority),
    joinedAt: num(call.joinedAt),
    agentId: call.agentId,
    agentChannel: call.agentChannel,
    bridgeId: call.bridgeId,
    answeredAt: num(call.answeredAt),
    node: call.node,
  };
}

export function queueFromHash(queue: Hash): QueueDef {
  if (queue.def) return JSON.parse(queue.def) as QueueDef;
  return {
    id: queue.id,
    name: queue.name,
    strategy: queue.strategy as Strategy,
    ringTimeoutS: num(queue.ringTimeoutS),
    wrapupS: num(queue.wrapupS),
    musicClass: queue.musicClass,
  };
}

/** One offer as returned by reserve.lua. */
export function assignmentFromReply(reply: unknown): Assignment | null {
  if (reply === null) return null;
  const [callId, queue, callerChannel, callerNumber, callerName, agentId, endpoint, agentChannel, ringTimeoutS, ringStepS, round, manualAnswer] = reply as string[];
  return {
    callId,
    queue,
    callerChannel,
    callerNumber,
    callerName,
    agentId,
    endpoint,
    agentChannel,
    ringTimeoutS: Number(ringTimeoutS),
    ringStepS: Number(ringStepS ?? 0),
    round: Number(round ?? 0),
    ...(manualAnswer === '1' ? { manualAnswer: true } : {}),
  };
}

/** Reply of the assign scripts: {0, offer...} or {retryAt}. */
export function routeResultFromReply(reply: unknown): RouteResult {
  const [first, ...offers] = reply as [number, ...unknown[]];
  if (offers.length > 0) return { assignments: offers.map((o) => assignmentFromReply(o)!), waitingLeft: first };
  return first > 0 ? { assignments: [], retryAt: first } : { assignments: [] };
}
