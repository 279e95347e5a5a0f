/**
 * Which queues an agent may join on its own word (`/queue/add` with an agent key, CTI login's
 * `queues`): the queues it has now (active or paused), its memberships in the configuration
 * file and `auth.agentQueues[<agent>]` — both folded into `AuthSettings.agentQueues` at load.
 * Joining a queue means taking its calls and reading its events, so it is configuration, not a
 * self-service choice.
 */
import { AcdError } from '../domain/errors.js';
import type { StoredAgentDef } from '../store/adminOps.js';

export function assertAgentMayJoin(agentQueues: Readonly<Record<string, readonly string[]>>, def: StoredAgentDef | undefined, queue: string): void {
  // An unknown agent is left to the store, which answers agent_not_found.
  if (!def) return;
  const allowed = new Set([...(agentQueues[def.id] ?? []), ...def.queues.map((m) => m.queue), ...def.paused]);
  if (!allowed.has(queue)) {
    throw new AcdError('forbidden', `agent ${def.id} may not join queue '${queue.slice(0, 64)}' (its configured queues or auth.agentQueues)`, { field: 'queue' });
  }
}
