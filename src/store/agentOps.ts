/** Queue and agent definitions, agent commands and wrap-up: thin wrappers over the Lua scripts. */
import { isId } from '../domain/ids.js';
import type { AgentSnapshot, AgentStatus } from '../domain/agent.js';
import { AGENT_LIFECYCLE, AGENT_PENDING_ON_CALL, allowedFrom } from '../domain/lifecycle.js';
import type { ErrorCode } from '../domain/errors.js';
import type { AgentDef, QueueDef } from '../domain/queue.js';
import { isEmpty, readHashes, type StoreContext } from './context.js';
import type { QueueCache } from './queueCache.js';
import { agentFromHash, agentFromReply, queueFromHash } from './parse.js';
import { skillsKey } from '../domain/routing.js';
import { routingFields } from './routingFields.js';
import { mapScriptErrors } from './scriptErrors.js';
import type { AcdStore, AgentCommandOptions } from './types.js';

/** Which statuses each agent command is accepted in (the scripts get this list): the agent lifecycle's. */
const ACCEPTED_IN: Record<'login' | 'ready' | 'not ready' | 'logout', readonly AgentStatus[]> = {
  login: allowedFrom(AGENT_LIFECYCLE, 'login'),
  ready: allowedFrom(AGENT_LIFECYCLE, 'ready'),
  'not ready': allowedFrom(AGENT_LIFECYCLE, 'notReady'),
  logout: allowedFrom(AGENT_LIFECYCLE, 'logout'),
};
type AgentCommand = keyof typeof ACCEPTED_IN;
/** Commands kept for the end of the call when the agent is on one (changeStatus-2.lua ARGV[7]). */
const PENDING_ON_CALL: Record<AgentCommand, readonly AgentStatus[]> = { login: [], ready: AGENT_PENDING_ON_CALL.ready, 'not ready': AGENT_PENDING_ON_CALL.notReady, logout: [] };

function explain(agentId: string, command: AgentCommand) {
  return (code: ErrorCode, detail: string): string => {
    if (code === 'agent_not_found') return `agent ${agentId} not found`;
    if (code === 'invalid_state') return `agent ${agentId} is ${detail}; ${command} needs ${humanList(ACCEPTED_IN[command])}`;
    if (detail === 'no_endpoint') return `agent ${agentId} has no endpoint: give one at login or in its definition`;
    return `${command} for agent ${agentId} failed: ${detail}`;
  };
}

const humanList = (items: readonly string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}` : items.join('');

export type AgentOps = Pick<
  AcdStore,
  'upsertQueue' | 'upsertAgent' | 'getQueue' | 'forgetQueue' | 'listQueues' | 'getAgent' | 'listAgents' | 'login' | 'setReady' | 'setNotReady' | 'logout' | 'endWrapup'
>;

export function createAgentOps({ redis, keys, run }: StoreContext, queueCache: QueueCache): AgentOps {
  const agentKeys = (agentId: string) => [keys.agent(agentId), keys.events];

  const changeStatus = (agentId: string, command: AgentCommand, status: AgentStatus, reason: string, opts: AgentCommandOptions) =>
    mapScriptErrors(
      run('changeStatus', agentKeys(agentId), [keys.prefix, agentId, status, reason, opts.by, ACCEPTED_IN[command].join(','), PENDING_ON_CALL[command].join(',')]),
      explain(agentId, command),
    ).then(agentFromReply);

  // Lookups by a string that is no id (a channel name, `1001:queues`) find nothing; writes refuse it (keys.ts).
  const getAgents = async (ids: string[]): Promise<AgentSnapshot[]> => {
    const hashes = await readHashes(redis, ids.filter(isId).flatMap((id) => [keys.agent(id), keys.agentQueues(id)]));
    const agents: AgentSnapshot[] = [];
    for (let i = 0; i < hashes.length; i += 2) {
      if (!isEmpty(hashes[i])) agents.push(agentFromHash(hashes[i], hashes[i + 1]));
    }
    return agents;
  };

  const getQueues = async (ids: string[]): Promise<QueueDef[]> =>
    (await readHashes(redis, ids.filter(isId).map(keys.queue))).filter((h) => !isEmpty(h)).map(queueFromHash);

  const byId = <T extends { id: string }>(items: T[]) => items.sort((a, b) => a.id.localeCompare(b.id));

  return {
    async upsertQueue(def) {
      await run(
        'upsertQueue',
        [keys.queue(def.id), keys.queues],
        [def.id, def.name, def.strategy, def.ringTimeoutS, def.wrapupS, def.musicClass, JSON.stringify(def), keys.prefix, ...routingFields(def).flat()],
      );
      queueCache.forget(def.id);
    },
    async upsertAgent(def: AgentDef) {
      const memberships = def.queues.flatMap((m) => [m.queue, m.penalty, m.order ?? '', m.weight ?? 1]);
      await run(
        'upsertAgent',
        [keys.agent(def.id), keys.agentQueues(def.id), keys.agents],
        [keys.prefix, def.id, def.name, def.endpoint, def.wrapupS ?? '', skillsKey(def.skills ?? {}), ...memberships],
      );
      // Read by the offer flow only (src/acd/control/answer.ts), so it needs no place in the script.
      await redis.hset(keys.agent(def.id), 'manualAnswer', def.manualAnswer ? '1' : '');
    },
    getQueue: (id) => queueCache.get(id, async () => (await getQueues([id]))[0]),
    forgetQueue: (id) => queueCache.forget(id),
    listQueues: async () => byId(await getQueues(await redis.smembers(keys.queues))),
    getAgent: async (id) => (await getAgents([id]))[0],
    listAgents: async () => byId(await getAgents(await redis.smembers(keys.agents))),

    login: (agentId, endpoint, opts) =>
      mapScriptErrors(
        run('login', agentKeys(agentId), [keys.prefix, agentId, endpoint ?? '', opts.ready ? '1' : '0', opts.by, ACCEPTED_IN.login.join(',')]),
        explain(agentId, 'login'),
      ).then(agentFromReply),
    setReady: (agentId, opts) => changeStatus(agentId, 'ready', 'ready', '', opts),
    setNotReady: (agentId, reason, opts) => changeStatus(agentId, 'not ready', 'not_ready', reason, opts),
    logout: (agentId, reason, opts) => changeStatus(agentId, 'logout', 'logged_out', reason, opts),
    endWrapup: async (agentId, version) => (await run('endWrapup', agentKeys(agentId), [keys.prefix, agentId, version])) === 1,
  };
}
