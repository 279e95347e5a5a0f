/**
 * Administration as engine commands: the store's admin operations and definition writes,
 * followed by a router kick whenever the change can make a waiting caller routable (a member
 * added or re-penalised, a member unpaused, an agent's definition changed — queues, skills,
 * endpoint —, a queue's definition changed — strategy, penalty ceiling, ringInUse, steps).
 * Every protocol (admin REST, PBXIS, CTI) takes these, so no write leaves a caller waiting
 * next to an agent that could take it.
 */
import type { AgentDef, QueueDef } from '../domain/queue.js';
import type { AdminOps } from '../store/adminOps.js';
import type { AcdStore } from '../store/types.js';
import type { RouteTrigger } from './router.js';

export interface AdminCommands extends AdminOps {
  /** Creates or replaces a queue's definition. */
  saveQueue(def: QueueDef): Promise<void>;
  /** Creates or replaces an agent's definition; its memberships in `paused` stay paused (their penalty updated there). */
  saveAgent(def: AgentDef, paused?: string[]): Promise<void>;
}

export function createAdminCommands(ops: AdminOps, store: Pick<AcdStore, 'upsertQueue' | 'upsertAgent' | 'forgetQueue'>, kick: (trigger: RouteTrigger) => void): AdminCommands {
  return {
    ...ops,
    async deleteQueue(queue) {
      await ops.deleteQueue(queue);
      // Read right after the delete, the engine's store must not answer with its cached copy.
      store.forgetQueue(queue);
    },
    async setMember(queue, agentId, penalty, mustExist) {
      const result = await ops.setMember(queue, agentId, penalty, mustExist);
      kick({ queue });
      return result;
    },
    async pauseMember(queue, agentId, paused, reason) {
      const changed = await ops.pauseMember(queue, agentId, paused, reason);
      if (changed && !paused) kick({ queue });
      return changed;
    },
    async saveQueue(def) {
      await store.upsertQueue(def);
      kick({ queue: def.id });
    },
    async saveAgent(def, paused = []) {
      await store.upsertAgent({ ...def, queues: def.queues.filter((m) => !paused.includes(m.queue)) });
      for (const m of def.queues) if (paused.includes(m.queue)) await ops.setMember(m.queue, def.id, m.penalty, true);
      for (const q of paused) if (!def.queues.some((m) => m.queue === q)) await ops.removeMember(q, def.id);
      kick({ agentId: def.id });
    },
  };
}
