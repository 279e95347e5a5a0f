/**
 * Agent administration: create, change, delete (only when logged out), and ending wrap-up early.
 * Definitions are judged by the configuration file's schema (src/api/adminDefs.ts). Paused
 * memberships stay paused across a change: their penalty is updated in place.
 */
import { Type } from 'typebox';
import { AcdError } from '../../domain/errors.js';
import type { AgentDef } from '../../domain/queue.js';
import { plain, resolveAgent } from '../adminDefs.js';
import { ADMIN, ALL_ROLES, actor, auth } from '../auth.js';
import { commandInput } from '../commandInput.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { AgentCommandReplySchema, AgentSnapshotSchema, errorResponses } from '../schemas.js';

const tags = ['admin: agents'];
const AgentParams = Type.Object({ agentId: Type.String({ minLength: 1 }) });
const Membership = Type.Union([Type.String(), Type.Object({ queue: Type.String(), penalty: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })) })]);
const agentInput = commandInput(
  Type.Object(
    {
      id: Type.Optional(Type.String({ minLength: 1 })),
      name: Type.Optional(Type.String()),
      endpoint: Type.Optional(Type.String({ minLength: 1, description: 'default dial string' })),
      queues: Type.Optional(Type.Array(Membership, { description: "queue ids or {queue, penalty}" })),
      wrapupS: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    },
    { additionalProperties: true, description: 'an agent definition as in the configuration file' },
  ),
);
const Ok = Type.Object({ status: Type.Literal('ok') });

export function adminAgentRoutes(app: ApiApp, { store, admin, agents, auth: apiAuth }: ApiDeps): void {
  const queueIds = async () => (await store.listQueues()).map((q) => q.id);
  /** A definition as the file would give it, its endpoint of an allowed form (toll-fraud guard). */
  const resolve = async (input: Record<string, unknown>): Promise<AgentDef> => {
    const def = resolveAgent(input, await queueIds());
    if (def.endpoint !== '') apiAuth.endpoints.assertForm(def.endpoint);
    return def;
  };

  app.post(
    '/agents',
    { config: auth(ADMIN), schema: { tags, summary: 'Create an agent (logged out)', ...agentInput.schema, response: { 201: AgentSnapshotSchema, ...errorResponses } }, preValidation: agentInput.preValidation },
    async (req, reply) => {
      const def = await resolve(req.body);
      if (await store.getAgent(def.id)) throw new AcdError('conflict', `agent '${def.id}' already exists`, { field: 'id' });
      await admin.saveAgent(def);
      req.log.info({ agent: def.id, by: actor(req) }, 'agent created');
      return reply.code(201).send((await store.getAgent(def.id))!);
    },
  );

  app.patch(
    '/agents/:agentId',
    {
      config: auth(ADMIN),
      schema: { tags, summary: 'Change an agent (fields not sent stay)', params: AgentParams, ...agentInput.schema, response: { 200: AgentSnapshotSchema, ...errorResponses } },
      preValidation: agentInput.preValidation,
    },
    async (req) => {
      const current = await admin.agentDef(req.params.agentId);
      if (!current) throw new AcdError('agent_not_found', `agent '${req.params.agentId}' does not exist`, { field: 'agentId' });
      if (req.body.id !== undefined && req.body.id !== current.id) throw new AcdError('validation', 'id cannot be changed', { field: 'id' });
      const { paused, ...stored } = current;
      const def = await resolve({ ...plain(stored), ...req.body, id: current.id });
      await admin.saveAgent(def, paused);
      req.log.info({ agent: def.id, by: actor(req) }, 'agent changed');
      return store.getAgent(def.id);
    },
  );

  app.delete(
    '/agents/:agentId',
    { config: auth(ADMIN), schema: { tags, summary: 'Delete an agent (must be logged out)', params: AgentParams, response: { 200: Ok, ...errorResponses } } },
    async (req) => {
      await admin.deleteAgent(req.params.agentId);
      req.log.info({ agent: req.params.agentId, by: actor(req) }, 'agent deleted');
      return { status: 'ok' as const };
    },
  );

  app.post(
    '/agents/:agentId/end-wrapup',
    {
      config: auth(ALL_ROLES, { self: 'agentId' }),
      schema: { tags: ['agents'], summary: 'End after-call work now (ready at once)', params: AgentParams, response: { 200: AgentCommandReplySchema, ...errorResponses } },
    },
    async (req) => {
      const agent = await store.getAgent(req.params.agentId);
      if (!agent) throw new AcdError('agent_not_found', `agent '${req.params.agentId}' does not exist`);
      if (agent.status !== 'after_call_work') throw new AcdError('invalid_state', `agent ${agent.id} is ${agent.status}; end-wrapup needs after_call_work`);
      return { status: 'ok' as const, agent: await agents.ready(agent.id, { by: actor(req) }) };
    },
  );
}
