/**
 * `GET /api/directory`: who is there and who is free, for any key (an agent desktop picks a
 * transfer or consult target from it). Names and states only: no calls, no numbers.
 */
import { Type } from 'typebox';
import { AGENT_STATUSES } from '../../domain/agent.js';
import { ALL_ROLES, auth } from '../auth.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';

const DirectoryReply = Type.Object({
  agents: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), status: Type.Enum(AGENT_STATUSES), queues: Type.Array(Type.String()) })),
  queues: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), wrapupS: Type.Number() })),
});

export function directoryRoutes(app: ApiApp, { store }: ApiDeps): void {
  app.get(
    '/directory',
    { config: auth(ALL_ROLES), schema: { tags: ['agents'], summary: 'Agents (name, state) and queues, for transfer and consult pickers', response: { 200: DirectoryReply, ...errorResponses } } },
    async () => {
      const [agents, queues] = await Promise.all([store.listAgents(), store.listQueues()]);
      return {
        agents: agents.map(({ id, name, status, queues: q }) => ({ id, name, status, queues: q })),
        queues: queues.map(({ id, name, wrapupS }) => ({ id, name, wrapupS })),
      };
    },
  );
}
