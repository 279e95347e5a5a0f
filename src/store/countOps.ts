/**
 * What the read endpoints (`/metrics`, live statistics, queues, wallboard, PBXIS status, calls)
 * ask of the store, each at a cost of O(queues asked) plus the calls of those queues (or the
 * members asked for), never O(the tenant's agents): counters and indexes the status,
 * membership and call scripts keep (lua/includes/queueCounts.lua), read by lua/queueLoad-1.lua.
 */
import { AGENT_STATUSES, type AgentSnapshot, type AgentStatus } from '../domain/agent.js';
import type { CallSnapshot, CallState } from '../domain/call.js';
import { isId } from '../domain/ids.js';
import { isEmpty, readHashes, type StoreContext } from './context.js';
import { agentFromHash, callFromHash } from './parse.js';

/** Agents by status, each counted once; logged_out included. */
export type StatusCounts = Record<AgentStatus, number>;

export interface AgentCounts {
  byStatus: StatusCounts;
  /** not_ready agents by reason code ('' = none given). */
  notReadyByReason: Record<string, number>;
}

/** One call of a queue as the figures need it. */
export interface QueueCallState {
  id: string;
  state: CallState;
  joinedAt: number;
}

export interface QueueLoad extends AgentCounts {
  queue: string;
  /** Every call of the queue (waiting, offering, connected), in join order. */
  calls: QueueCallState[];
}

export interface TenantLoad {
  /** Every agent of the tenant. */
  agents: AgentCounts;
  queues: QueueLoad[];
}

export interface CountStore {
  /** Agents of the tenant and, per queue asked, its members (paused ones left out) and calls. */
  load(queues: string[]): Promise<TenantLoad>;
  /** Snapshots of the members (paused ones left out) of these queues, each once, by id. */
  memberAgents(queues: string[]): Promise<AgentSnapshot[]>;
  /** Snapshots of these agents (unknown ids left out), by id. */
  agentsById(ids: string[]): Promise<AgentSnapshot[]>;
  /** Every call of one queue, in join order (then id). */
  queueCalls(queue: string): Promise<CallSnapshot[]>;
  /** Ids of the callers waiting in one queue, in queue order (first = next). */
  waitingOrder(queue: string): Promise<string[]>;
}

type Flat = (string | number)[];
type QueueReply = [members: number, statuses: Flat, reasons: Flat, calls: string[]];

function agentCounts(total: number, statuses: Flat, reasons: Flat): AgentCounts {
  const byStatus = Object.fromEntries(AGENT_STATUSES.map((s) => [s, 0])) as StatusCounts;
  for (let i = 0; i < statuses.length; i += 2) {
    const status = statuses[i] as AgentStatus;
    if (status in byStatus) byStatus[status] = Number(statuses[i + 1]);
  }
  byStatus.logged_out = Math.max(0, total - AGENT_STATUSES.reduce((n, s) => n + (s === 'logged_out' ? 0 : byStatus[s]), 0));
  const notReadyByReason: Record<string, number> = {};
  for (let i = 0; i < reasons.length; i += 2) if (Number(reasons[i + 1]) > 0) notReadyByReason[String(reasons[i])] = Number(reasons[i + 1]);
  return { byStatus, notReadyByReason };
}

const byId = <T extends { id: string }>(items: T[]) => items.sort((a, b) => a.id.localeCompare(b.id));

export function createCountOps({ redis, keys, run }: StoreContext): CountStore {
  const agentsById = async (ids: string[]): Promise<AgentSnapshot[]> => {
    const wanted = [...new Set(ids.filter(isId))];
    const hashes = await readHashes(redis, wanted.flatMap((id) => [keys.agent(id), keys.agentQueues(id)]));
    const agents: AgentSnapshot[] = [];
    for (let i = 0; i < hashes.length; i += 2) if (!isEmpty(hashes[i])) agents.push(agentFromHash(hashes[i], hashes[i + 1]));
    return byId(agents);
  };

  const ops: CountStore = {
    async load(queues) {
      for (const q of queues) keys.queue(q); // refuses a non-id before any command
      const reply = await run('queueLoad', [keys.agentCounts], [keys.prefix, ...queues]);
      const [total, statuses, reasons, perQueue] = reply as [number, Flat, Flat, QueueReply[]];
      return {
        agents: agentCounts(total, statuses, reasons),
        queues: perQueue.map(([members, counts, byReason, flat], i) => {
          const calls: QueueCallState[] = [];
          for (let j = 0; j < flat.length; j += 3) calls.push({ id: flat[j], state: flat[j + 1] as CallState, joinedAt: Number(flat[j + 2]) });
          return { queue: queues[i], ...agentCounts(members, counts, byReason), calls };
        }),
      };
    },
    async memberAgents(queues) {
      const members = await Promise.all(queues.map((q) => redis.hkeys(keys.queueMembers(q))));
      return agentsById(members.flat());
    },
    agentsById,
    waitingOrder: (queue) => redis.zrange(keys.queueWaiting(queue), '0', '-1'),
    async queueCalls(queue) {
      // Data from before the call index: the load script builds it once.
      if (!(await redis.hexists(keys.queueReasons(queue), 'counted'))) await ops.load([queue]);
      const ids = await redis.zrange(keys.queueCallIndex(queue), '0', '-1');
      const calls = (await readHashes(redis, ids.map(keys.call))).filter((h) => !isEmpty(h)).map(callFromHash);
      return calls.sort((a, b) => a.joinedAt - b.joinedAt || a.id.localeCompare(b.id));
    },
  };
  return ops;
}
