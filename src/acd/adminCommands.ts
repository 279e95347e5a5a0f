/**
 * Queue membership changes as engine commands: the store's admin operations, followed by a
 * router kick whenever the change can make a waiting caller routable (a member added or
 * re-penalised, a member unpaused). Every protocol (admin REST, PBXIS, CTI) takes these, so no
 * write leaves a caller waiting next to an agent that could take it.
 */
import type { AdminOps } from '../store/adminOps.js';
import type { RouteTrigger } from './router.js';

export function createAdminCommands(ops: AdminOps, kick: (trigger: RouteTrigger) => void): AdminOps {
  return {
    ...ops,
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
  };
}
