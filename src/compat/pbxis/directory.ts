/**
 * PBXIS names agents by their phone extension (`147`), the engine by agent id. The extension is
 * the configured dial string's last part without its context: `PJSIP/147` → `147`,
 * `Local/147@agents` → `147`. A request may name an agent by extension or by id; events are
 * keyed by extension. `location` is where the agent is logged on now (else its configured phone).
 */
import type { AgentSnapshot } from '../../domain/agent.js';
import { AcdError } from '../../domain/errors.js';
import type { AdminOps } from '../../store/adminOps.js';
import type { AcdStore } from '../../store/types.js';

export interface DirectoryEntry {
  agent: AgentSnapshot;
  extension: string;
  /** Dial string (PBXIS `location`): the logged-in endpoint, else the configured one. */
  location: string;
  /** Queues it is a member of, paused ones included. */
  queues: string[];
  /** Queues where this member is paused (app_queue style, per queue). */
  pausedIn: Set<string>;
}

export interface AgentDirectory {
  entries: DirectoryEntry[];
  /** The agent `name` designates (extension first, then id); AcdError agent_not_found naming `field`. */
  resolve(name: string, field: string): DirectoryEntry;
  find(name: string): DirectoryEntry | undefined;
  extensionOf(agentId: string): string;
}

export function extensionOfEndpoint(endpoint: string): string {
  return endpoint.split('/').pop()!.split('@')[0]!;
}

/** Every agent, or only those of `agentIds` (a read that lists some queues' members need not read the others). */
export async function loadDirectory(store: Pick<AcdStore, 'listAgents' | 'agentsById'>, admin: Pick<AdminOps, 'agentDef'>, agentIds?: string[]): Promise<AgentDirectory> {
  const agents = agentIds ? await store.agentsById(agentIds) : await store.listAgents();
  const entries = await Promise.all(
    agents.map(async (agent): Promise<DirectoryEntry> => {
      const def = await admin.agentDef(agent.id);
      const location = agent.endpoint || def?.endpoint || '';
      // The configured phone names the agent for good; it may log on elsewhere (`location`).
      const home = def?.endpoint || location;
      return { agent, location, extension: home ? extensionOfEndpoint(home) : agent.id, queues: def?.queues.map((m) => m.queue) ?? agent.queues, pausedIn: new Set(def?.paused ?? []) };
    }),
  );
  const find = (name: string) => entries.find((e) => e.extension === name) ?? entries.find((e) => e.agent.id === name);
  return {
    entries,
    find,
    resolve(name, field) {
      const entry = find(name);
      if (!entry) throw new AcdError('agent_not_found', `no agent with extension or id '${name}'`, { field });
      return entry;
    },
    extensionOf: (agentId) => entries.find((e) => e.agent.id === agentId)?.extension ?? agentId,
  };
}
