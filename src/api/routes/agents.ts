/** Agents: snapshots and the session commands (login, ready, not ready, logout). */
import { Type } from 'typebox';
import { AcdError } from '../../domain/errors.js';
import { commandInput } from '../commandInput.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { AgentCommandReplySchema, AgentSnapshotSchema, errorResponses, ReasonCodeSchema } from '../schemas.js';

/** Recorded as `by` in the AgentStatus events these routes cause. */
const BY = 'api';

const AgentParams = Type.Object({ agentId: Type.String({ minLength: 1 }) });
const commandResponse = { 200: AgentCommandReplySchema, ...errorResponses };
const tags = ['agents'];

const loginInput = commandInput(
  Type.Object({
    endpoint: Type.Optional(Type.String({ minLength: 1, description: "dial string; default: the agent's configured endpoint" })),
    ready: Type.Optional(Type.Boolean({ description: 'ready at once instead of not_ready' })),
  }),
);
const notReadyInput = commandInput(Type.Object({ reason: Type.String({ description: 'a configured not-ready reason code' }) }));
const logoutInput = commandInput(Type.Object({ reason: Type.Optional(Type.String({ description: 'a configured logout reason code' })) }));

export function agentRoutes(app: ApiApp, { store, agents, reasons }: ApiDeps): void {
  app.get(
    '/agents',
    { schema: { tags, summary: 'All agents', response: { 200: Type.Array(AgentSnapshotSchema), ...errorResponses } } },
    () => store.listAgents(),
  );

  app.get(
    '/agents/:agentId',
    { schema: { tags, summary: 'One agent', params: AgentParams, response: { 200: AgentSnapshotSchema, ...errorResponses } } },
    async (req) => {
      const agent = await store.getAgent(req.params.agentId);
      if (!agent) throw new AcdError('agent_not_found', `agent '${req.params.agentId}' does not exist`);
      return agent;
    },
  );

  app.post(
    '/agents/:agentId/login',
    { schema: { tags, summary: 'Log in', params: AgentParams, ...loginInput.schema, response: commandResponse }, preValidation: loginInput.preValidation },
    async (req) => ({ status: 'ok' as const, agent: await agents.login(req.params.agentId, { ...req.body, by: BY }) }),
  );

  app.post(
    '/agents/:agentId/ready',
    { schema: { tags, summary: 'Become ready', params: AgentParams, response: commandResponse } },
    async (req) => ({ status: 'ok' as const, agent: await agents.ready(req.params.agentId, { by: BY }) }),
  );

  app.post(
    '/agents/:agentId/not-ready',
    { schema: { tags, summary: 'Become not ready', params: AgentParams, ...notReadyInput.schema, response: commandResponse }, preValidation: notReadyInput.preValidation },
    async (req) => ({ status: 'ok' as const, agent: await agents.notReady(req.params.agentId, { reason: req.body.reason, by: BY }) }),
  );

  app.post(
    '/agents/:agentId/logout',
    { schema: { tags, summary: 'Log out', params: AgentParams, ...logoutInput.schema, response: commandResponse }, preValidation: logoutInput.preValidation },
    async (req) => ({ status: 'ok' as const, agent: await agents.logout(req.params.agentId, { reason: req.body.reason, by: BY }) }),
  );

  app.get(
    '/reasons',
    {
      schema: {
        tags,
        summary: 'Configured reason codes',
        response: { 200: Type.Object({ notReady: Type.Array(ReasonCodeSchema), logout: Type.Array(ReasonCodeSchema) }) },
      },
    },
    () => reasons,
  );
}
