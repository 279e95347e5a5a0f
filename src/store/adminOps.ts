/**
 * Administration on the live store: queue membership (add, penalty, remove, per-queue pause
 * with a reason) and deleting queues and agents. Each is one Lua script (see the headers in
 * src/store/lua/): it takes effect at once and a refused command changes nothing.
 */
import type { Redis } from 'ioredis';
import type { AgentDef, Membership } from '../domain/queue.js';
import type { ErrorCode } from '../domain/errors.js';
import { queueId, storeKeys } from './keys.js';
import { registerScripts } from './scripts.js';
import { mapScriptErrors } from './scriptErrors.js';

export interface QueueMember {
  agentId: string;
  penalty: number;
  paused: boolean;
  /** Pause reason, '' when not paused or none given. */
  reason: string;
  /** ms epoch the member was paused; 0 when not paused. */
  pausedSince: number;
}

/** An agent's definition as stored, paused memberships included (with their penalty). */
export interface StoredAgentDef extends AgentDef {
  paused: string[];
}

export interface AdminOps {
  /** Adds (or re-penalises) a member; `mustExist` refuses a non-member (penalty change). Returns whether it was a member before. */
  setMember(queue: string, agentId: string, penalty: number, mustExist: boolean): Promise<{ existed: boolean }>;
  removeMember(queue: string, agentId: string): Promise<void>;
  /** Returns whether anything changed. */
  pauseMember(queue: string, agentId: string, paused: boolean, reason: string): Promise<boolean>;
  members(queue: string): Promise<QueueMember[]>;
  agentDef(agentId: string): Promise<StoredAgentDef | undefined>;
  /**
   * Pauses survive re-applied definitions: the configuration written at start-up (upsertAgent)
   * makes paused members members again; this takes them out again. Returns how many.
   */
  restorePauses(): Promise<number>;
  /** AcdError conflict while the queue has calls. */
  deleteQueue(queue: string): Promise<void>;
  /** AcdError invalid_state unless logged out. */
  deleteAgent(agentId: string): Promise<void>;
}

interface PausedEntry {
  penalty: number;
  reason: string;
  since: number;
}

function explainMember(queue: string, agentId: string) {
  return (code: ErrorCode, detail: string): string => {
    if (code === 'agent_not_found') return `agent '${agentId}' does not exist`;
    if (code === 'queue_not_found') return `queue '${queue}' does not exist`;
    if (detail === 'not_member') return `agent '${agentId}' is not a member of queue '${queue}'`;
    return `membership change failed: ${detail}`;
  };
}

export function createAdminOps(redis: Redis, tenant: string): AdminOps {
  const keys = storeKeys(tenant);
  const run = registerScripts(redis);

  const pausedIn = async (agentId: string): Promise<Map<string, PausedEntry>> => {
    const queues = await redis.smembers(keys.queues);
    const pipeline = redis.pipeline();
    for (const q of queues) pipeline.hget(keys.queuePaused(q), agentId);
    const replies = (await pipeline.exec()) ?? [];
    const found = new Map<string, PausedEntry>();
    replies.forEach(([, raw], i) => {
      if (typeof raw === 'string') found.set(queues[i]!, JSON.parse(raw) as PausedEntry);
    });
    return found;
  };

  const pauseMember: AdminOps['pauseMember'] = async (queue, agentId, paused, reason) => {
    const reply = (await mapScriptErrors(
      run('pauseMember', [keys.agent(agentId), keys.events], [keys.prefix, agentId, queueId(queue), paused ? '1' : '0', reason]),
      explainMember(queue, agentId),
    )) as [number, number];
    return reply[0] === 1;
  };

  return {
    async setMember(queue, agentId, penalty, mustExist) {
      const reply = (await mapScriptErrors(
        run('setMember', [keys.agent(agentId), keys.queue(queue), keys.events], [keys.prefix, agentId, queue, penalty, mustExist ? 'penalty' : 'add']),
        explainMember(queue, agentId),
      )) as [number, number];
      return { existed: reply[0] === 1 };
    },
    async removeMember(queue, agentId) {
      await mapScriptErrors(run('removeMember', [keys.agent(agentId), keys.events], [keys.prefix, agentId, queueId(queue)]), explainMember(queue, agentId));
    },
    pauseMember,
    async members(queue) {
      const [active, paused] = await Promise.all([redis.hgetall(keys.queueMembers(queue)), redis.hgetall(keys.queuePaused(queue))]);
      const list: QueueMember[] = Object.entries(active).map(([agentId, penalty]) => ({ agentId, penalty: Number(penalty), paused: false, reason: '', pausedSince: 0 }));
      for (const [agentId, raw] of Object.entries(paused)) {
        if (agentId in active) continue;
        const entry = JSON.parse(raw) as PausedEntry;
        list.push({ agentId, penalty: entry.penalty, paused: true, reason: entry.reason, pausedSince: entry.since });
      }
      return list.sort((a, b) => a.penalty - b.penalty || a.agentId.localeCompare(b.agentId));
    },
    async agentDef(agentId) {
      const [fields, memberships] = await Promise.all([
        redis.hmget(keys.agent(agentId), 'id', 'name', 'defaultEndpoint', 'wrapupS', 'manualAnswer'),
        redis.hgetall(keys.agentQueues(agentId)),
      ]);
      const [id, name, endpoint, wrapupS, manualAnswer] = fields;
      if (id === null) return undefined;
      const paused = await pausedIn(agentId);
      const queues: Membership[] = Object.entries(memberships).map(([queue, penalty]) => ({ queue, penalty: Number(penalty) }));
      for (const [queue, entry] of paused) if (!(queue in memberships)) queues.push({ queue, penalty: entry.penalty });
      return {
        id,
        name: name ?? id,
        endpoint: endpoint ?? '',
        wrapupS: wrapupS ? Number(wrapupS) : undefined,
        ...(manualAnswer === '1' ? { manualAnswer: true } : {}),
        queues: queues.sort((a, b) => a.queue.localeCompare(b.queue)),
        paused: [...paused.keys()].filter((q) => !(q in memberships)).sort(),
      };
    },
    async restorePauses() {
      let restored = 0;
      for (const queue of await redis.smembers(keys.queues)) {
        const [paused, active] = await Promise.all([redis.hgetall(keys.queuePaused(queue)), redis.hgetall(keys.queueMembers(queue))]);
        for (const [agentId, raw] of Object.entries(paused)) {
          if (!(agentId in active)) continue;
          await pauseMember(queue, agentId, true, (JSON.parse(raw) as PausedEntry).reason);
          restored += 1;
        }
      }
      return restored;
    },
    async deleteQueue(queue) {
      await mapScriptErrors(run('deleteQueue', [keys.queue(queue), keys.queues, keys.calls, keys.events], [keys.prefix, queue]), (code, detail) =>
        code === 'conflict' ? `queue '${queue}' still has ${detail} call(s): withdraw or hang them up first` : `queue '${queue}' does not exist`,
      );
    },
    async deleteAgent(agentId) {
      await mapScriptErrors(run('deleteAgent', [keys.agent(agentId), keys.agentQueues(agentId), keys.agents], [keys.prefix, agentId]), (code, detail) =>
        code === 'invalid_state' ? `agent '${agentId}' is ${detail}: log it out first` : `agent '${agentId}' does not exist`,
      );
    },
  };
}

