/** Agents: snapshots and the session commands (login, ready, not ready, logout). */
import { Type } from 'typebox';
import { AcdError } from '../../domain/errors.js';
import { actor, ALL_ROLES, auth, STAFF } from '../auth.js';
import { commandInput } from '../commandInput.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { AgentCommandReplySchema, AgentSnapshotSchema, errorResponses, ReasonCodeSchema } from '../schemas.js';

const AgentParams = Type.Object({ agentId: Type.String({ minLength: 1 }) });
const commandResponse = { 200: AgentCommandReplySchema, ...errorResponses };
const tags = ['agents'];
/** An agent key may act only on itself. */
const SELF = auth(ALL_ROLES, { self: 'agentId' });

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
    { config: auth(STAFF), schema: { tags, summary: 'All agents', response: { 200: Type.Array(AgentSnapshotSchema), ...errorResponses } } },
    () => store.listAgents(),
  );

  app.get(
    '/agents/:agentId',
    { config: SELF, schema: { tags, summary: 'One agent', params: AgentParams, response: { 200: AgentSnapshotSchema, ...errorResponses } } },
    async (req) => {
      const agent = await store.getAgent(req.params.agentId);
      if (!agent) throw new AcdError('agent_not_found', `agent '${req.params.agentId}' does not exist`);
      return agent;
    },
  );

  app.post(
    '/agents/:agentId/login',
    { config: SELF, schema: { tags, summary: 'Log in', params: AgentParams, ...loginInput.schema, response: commandResponse }, preValidation: loginInput.preValidation },
    async (req) => ({ status: 'ok' as const, agent: await agents.login(req.params.agentId, { ...req.body, by: actor(req) }) }),
  );

  app.post(
    '/agents/:agentId/ready',
    { config: SELF, schema: { tags, summary: 'Become ready', params: AgentParams, response: commandResponse } },
    async (req) => ({ status: 'ok' as const, agent: await agents.ready(req.params.agentId, { by: actor(req) }) }),
  );

  app.post(
    '/agents/:agentId/not-ready',
    { config: SELF, schema: { tags, summary: 'Become not ready', params: AgentParams, ...notReadyInput.schema, response: commandResponse }, preValidation: notReadyInput.preValidation },
    async (req) => ({ status: 'ok' as const, agent: await agents.notReady(req.params.agentId, { reason: req.body.reason, by: actor(req) }) }),
  );

  app.post(
    '/agents/:agentId/logout',
    { config: SELF, schema: { tags, summary: 'Log out', params: AgentParams, ...logoutInput.schema, response: commandResponse }, preValidation: logoutInput.preValidation },
    async (req) => ({ status: 'ok' as const, agent: await agents.logout(req.params.agentId, { reason: req.body.reason, by: actor(req) }) }),
  );

  app.get(
    '/reasons',
    {
      config: auth(ALL_ROLES),
      schema: {
        tags,
        summary: 'Configured reason codes',
        response: { 200: Type.Object({ notReady: Type.Array(ReasonCodeSchema), logout: Type.Array(ReasonCodeSchema) }) },
      },
    },
    () => reasons,
  );
}
