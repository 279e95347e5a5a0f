/** A supervisor forces an agent's state; the AgentStatus event names the supervisor in `by`. */
import { AcdError } from '../../domain/errors.js';
import type { AgentSnapshot } from '../../domain/agent.js';
import type { AgentCommands } from '../agentCommands.js';

export const FORCED_STATES = ['ready', 'not_ready', 'logged_out'] as const;
export type ForcedState = (typeof FORCED_STATES)[number];

export async function forceAgentState(
  agents: AgentCommands,
  req: { supervisorId: string; agentId: string; state: ForcedState; reason?: string },
): Promise<AgentSnapshot> {
  const by = `supervisor:${req.supervisorId}`;
  switch (req.state) {
    case 'ready':
      return agents.ready(req.agentId, { by });
    case 'not_ready':
      if (!req.reason) throw new AcdError('validation', 'reason is required to force not_ready', { field: 'reason' });
      return agents.notReady(req.agentId, { reason: req.reason, by });
    case 'logged_out':
      return agents.logout(req.agentId, { reason: req.reason, by });
  }
}
