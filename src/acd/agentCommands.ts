/**
 * Agent session commands as the HTTP layer (and later the CTI channel) sees them. Each one is
 * a store transition; becoming ready also asks the router to look for a waiting caller at once.
 */
import type { AgentSnapshot } from '../domain/agent.js';
import { AcdError } from '../domain/errors.js';
import type { ReasonCode } from '../domain/queue.js';
import type { AcdStore } from '../store/types.js';

export interface AgentCommands {
  login(agentId: string, opts: { endpoint?: string; ready?: boolean; by: string }): Promise<AgentSnapshot>;
  ready(agentId: string, opts: { by: string }): Promise<AgentSnapshot>;
  notReady(agentId: string, opts: { reason: string; by: string }): Promise<AgentSnapshot>;
  logout(agentId: string, opts: { reason?: string; by: string }): Promise<AgentSnapshot>;
}

export interface ReasonLists {
  notReady: ReasonCode[];
  logout: ReasonCode[];
}

function checkReason(list: ReasonCode[], code: string, field: string): void {
  if (!list.some((r) => r.code === code)) {
    throw new AcdError('validation', `${field} '${code}' is not a configured reason code (${list.map((r) => r.code).join(', ')})`, { field });
  }
}

/**
 * `onLogin` runs after the store logged the agent in and before the router hears it is ready
 * (src/acd/deviceState.ts reads the phone's state there, so a busy phone is known first).
 */
export function createAgentCommands(
  store: AcdStore,
  reasons: ReasonLists,
  onReady: (agentId: string) => void,
  onLogin: (agent: AgentSnapshot) => Promise<void> = async () => undefined,
): AgentCommands {
  return {
    async login(agentId, { endpoint, ready, by }) {
      const agent = await store.login(agentId, endpoint, { by, ready });
      await onLogin(agent);
      if (agent.status === 'ready') onReady(agentId);
      return agent;
    },
    async ready(agentId, { by }) {
      const agent = await store.setReady(agentId, { by });
      onReady(agentId);
      return agent;
    },
    async notReady(agentId, { reason, by }) {
      checkReason(reasons.notReady, reason, 'reason');
      return store.setNotReady(agentId, reason, { by });
    },
    async logout(agentId, { reason, by }) {
      if (reason !== undefined && reason !== '') checkReason(reasons.logout, reason, 'reason');
      return store.logout(agentId, reason ?? '', { by });
    },
  };
}
