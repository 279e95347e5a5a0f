/**
 * Queue routes of the PBXIS web service, for agents' and supervisors' existing clients:
 * `GET /queue/status[?queue=]`, `POST /queue/add|remove|pause|reset`. Same store operations
 * as the admin API; an agent key may act only on its own agent.
 */
import { Type } from 'typebox';
import { AcdError } from '../../domain/errors.js';
import { actor, ALL_ROLES, auth, STAFF } from '../auth.js';
import { commandInput } from '../commandInput.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { queueStatuses } from '../queueStats.js';
import { errorResponses } from '../schemas.js';

const tags = ['pbxis'];
const Ok = Type.Object({ status: Type.Literal('ok') });
const ok = { status: 'ok' as const };
const Id = Type.String({ minLength: 1 });

const addInput = commandInput(Type.Object({ agent: Id, queue: Id, penalty: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })) }));
const removeInput = commandInput(Type.Object({ agent: Id, queue: Id }));
const pauseInput = commandInput(
  Type.Object({
    agent: Id,
    queue: Type.Optional(Type.String({ minLength: 1, description: 'default: every queue of the agent' })),
    paused: Type.Optional(Type.Boolean({ default: true, description: 'false = unpause' })),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
  }),
);
const resetInput = commandInput(Type.Object({ queue: Id }));

const StatusSchema = Type.Object({
  queues: Type.Array(
    Type.Object({
      queue: Type.String(),
      name: Type.String(),
      waiting: Type.Number(),
      longestWaitMs: Type.Number(),
      members: Type.Array(
        Type.Object({ agent: Type.String(), name: Type.String(), status: Type.String(), penalty: Type.Number(), paused: Type.Boolean(), reason: Type.String(), callsTaken: Type.Number() }),
      ),
    }),
  ),
});

export function pbxisQueueRoutes(app: ApiApp, { store, admin, stats }: ApiDeps): void {
  app.get(
    '/queue/status',
    {
      config: auth(ALL_ROLES),
      schema: { tags, summary: 'Queues with their members', querystring: Type.Object({ queue: Type.Optional(Id) }), response: { 200: StatusSchema, ...errorResponses } },
    },
    async (req) => {
      const [queues, agents, calls] = await Promise.all([store.listQueues(), store.listAgents(), store.listCalls()]);
      const wanted = req.query.queue === undefined ? queues : queues.filter((q) => q.id === req.query.queue);
      if (wanted.length === 0) throw new AcdError('queue_not_found', `queue '${req.query.queue}' does not exist`, { field: 'queue' });
      const statuses = queueStatuses(wanted, agents, calls, Date.now());
      return {
        queues: await Promise.all(
          statuses.map(async (q) => ({
            queue: q.id,
            name: q.name,
            waiting: q.waiting,
            longestWaitMs: q.longestWaitMs,
            members: (await admin.members(q.id)).map((m) => {
              const agent = agents.find((a) => a.id === m.agentId);
              return { agent: m.agentId, name: agent?.name ?? '', status: agent?.status ?? 'logged_out', penalty: m.penalty, paused: m.paused, reason: m.reason, callsTaken: agent?.callsTaken ?? 0 };
            }),
          })),
        ),
      };
    },
  );

  const self = auth(ALL_ROLES, { self: 'agent' });

  app.post(
    '/queue/add',
    { config: auth(ALL_ROLES, { self: 'agent', joins: 'queue' }), schema: { tags, summary: 'Add an agent to a queue', ...addInput.schema, response: { 200: Ok, ...errorResponses } }, preValidation: addInput.preValidation },
    async (req) => {
      await admin.setMember(req.body.queue, req.body.agent, req.body.penalty ?? 0, false);
      return ok;
    },
  );

  app.post(
    '/queue/remove',
    { config: self, schema: { tags, summary: 'Remove an agent from a queue', ...removeInput.schema, response: { 200: Ok, ...errorResponses } }, preValidation: removeInput.preValidation },
    async (req) => {
      await admin.removeMember(req.body.queue, req.body.agent);
      return ok;
    },
  );

  app.post(
    '/queue/pause',
    {
      config: self,
      schema: { tags, summary: 'Pause (or unpause) an agent in one queue or all its queues', ...pauseInput.schema, response: { 200: Ok, ...errorResponses } },
      preValidation: pauseInput.preValidation,
    },
    async (req) => {
      const { agent, queue, paused = true, reason = '' } = req.body;
      let queues: string[];
      if (queue !== undefined) queues = [queue];
      else {
        const def = await admin.agentDef(agent);
        if (!def) throw new AcdError('agent_not_found', `agent '${agent}' does not exist`, { field: 'agent' });
        queues = def.queues.map((m) => m.queue);
      }
      for (const q of queues) await admin.pauseMember(q, agent, paused, reason);
      req.log.info({ agent, queues, paused, by: actor(req) }, 'member pause changed');
      return ok;
    },
  );

  app.post(
    '/queue/reset',
    { config: auth(STAFF), schema: { tags, summary: "Reset a queue's statistics", ...resetInput.schema, response: { 200: Ok, ...errorResponses } }, preValidation: resetInput.preValidation },
    async (req) => {
      await stats.resetQueue(req.body.queue);
      return ok;
    },
  );
}
