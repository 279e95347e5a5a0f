/**
 * Queue administration: create, read, update, delete; members (add with penalty, change
 * penalty, remove, pause / unpause with a reason); reset statistics. Changes take effect at
 * once (the store's indexes follow in the same script).
 */
import { Type } from 'typebox';
import { AcdError } from '../../domain/errors.js';
import { plain, resolveQueue } from '../adminDefs.js';
import { ADMIN, actor, auth, STAFF } from '../auth.js';
import { commandInput } from '../commandInput.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses, QueueDefSchema } from '../schemas.js';

const tags = ['admin: queues'];
const QueueParams = Type.Object({ queueId: Type.String({ minLength: 1 }) });
const MemberParams = Type.Object({ queueId: Type.String({ minLength: 1 }), agentId: Type.String({ minLength: 1 }) });
const Penalty = Type.Integer({ minimum: 0, maximum: 1000, description: 'lower is offered first' });

/** Any QueueDef field; the configuration schema judges the whole (unknown fields are refused there). */
const QueueInput = Type.Object(
  { ...Type.Partial(QueueDefSchema).properties, serviceLevelS: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })) },
  { additionalProperties: true, description: 'a queue definition as in the configuration file' },
);
const QueueReply = Type.Object({ ...QueueDefSchema.properties }, { additionalProperties: true });

const MemberSchema = Type.Object({
  agentId: Type.String(),
  penalty: Type.Number(),
  paused: Type.Boolean(),
  reason: Type.String(),
  pausedSince: Type.Number(),
});
const queueInput = commandInput(QueueInput);
const Ok = Type.Object({ status: Type.Literal('ok') });
const ok = { status: 'ok' as const };

const addMemberInput = commandInput(Type.Object({ agentId: Type.String({ minLength: 1 }), penalty: Type.Optional(Penalty) }));
const penaltyInput = commandInput(Type.Object({ penalty: Penalty }));
const pauseInput = commandInput(Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200, description: 'why (free text, shown to supervisors)' })) }));

export function adminQueueRoutes(app: ApiApp, { store, admin, stats }: ApiDeps): void {
  const existing = async (id: string) => {
    const def = await store.getQueue(id);
    if (!def) throw new AcdError('queue_not_found', `queue '${id}' does not exist`, { field: 'queueId' });
    return def;
  };
  const queueIds = async () => (await store.listQueues()).map((q) => q.id);

  app.post(
    '/queues',
    { config: auth(ADMIN), schema: { tags, summary: 'Create a queue', ...queueInput.schema, response: { 201: QueueReply, ...errorResponses } }, preValidation: queueInput.preValidation },
    async (req, reply) => {
      const def = resolveQueue(req.body, await queueIds());
      if (await store.getQueue(def.id)) throw new AcdError('conflict', `queue '${def.id}' already exists`, { field: 'id' });
      await admin.saveQueue(def);
      req.log.info({ queue: def.id, by: actor(req) }, 'queue created');
      return reply.code(201).send(def);
    },
  );

  app.get(
    '/queues/:queueId',
    { config: auth(STAFF), schema: { tags, summary: 'One queue definition', params: QueueParams, response: { 200: QueueReply, ...errorResponses } } },
    (req) => existing(req.params.queueId),
  );

  app.patch(
    '/queues/:queueId',
    {
      config: auth(ADMIN),
      schema: { tags, summary: 'Change a queue (fields not sent stay)', params: QueueParams, ...queueInput.schema, response: { 200: QueueReply, ...errorResponses } },
      preValidation: queueInput.preValidation,
    },
    async (req) => {
      const current = await existing(req.params.queueId);
      if (req.body.id !== undefined && req.body.id !== current.id) throw new AcdError('validation', 'id cannot be changed', { field: 'id' });
      const def = resolveQueue({ ...plain(current), ...req.body, id: current.id }, await queueIds());
      await admin.saveQueue(def);
      req.log.info({ queue: def.id, by: actor(req) }, 'queue changed');
      return def;
    },
  );

  app.delete(
    '/queues/:queueId',
    {
      config: auth(ADMIN),
      schema: { tags, summary: 'Delete a queue (refused while it has calls)', params: QueueParams, response: { 200: Ok, ...errorResponses } },
    },
    async (req) => {
      await admin.deleteQueue(req.params.queueId);
      req.log.info({ queue: req.params.queueId, by: actor(req) }, 'queue deleted');
      return ok;
    },
  );

  app.get(
    '/queues/:queueId/members',
    { config: auth(STAFF), schema: { tags, summary: 'Members with penalty and pause', params: QueueParams, response: { 200: Type.Array(MemberSchema), ...errorResponses } } },
    async (req) => {
      await existing(req.params.queueId);
      return admin.members(req.params.queueId);
    },
  );

  app.post(
    '/queues/:queueId/members',
    {
      config: auth(STAFF),
      schema: { tags, summary: 'Add a member (or change its penalty)', params: QueueParams, ...addMemberInput.schema, response: { 200: Ok, 201: Ok, ...errorResponses } },
      preValidation: addMemberInput.preValidation,
    },
    async (req, reply) => {
      const { existed } = await admin.setMember(req.params.queueId, req.body.agentId, req.body.penalty ?? 0, false);
      return reply.code(existed ? 200 : 201).send(ok);
    },
  );

  app.patch(
    '/queues/:queueId/members/:agentId',
    {
      config: auth(STAFF),
      schema: { tags, summary: "Change a member's penalty", params: MemberParams, ...penaltyInput.schema, response: { 200: Ok, ...errorResponses } },
      preValidation: penaltyInput.preValidation,
    },
    async (req) => {
      await admin.setMember(req.params.queueId, req.params.agentId, req.body.penalty, true);
      return ok;
    },
  );

  app.delete(
    '/queues/:queueId/members/:agentId',
    { config: auth(STAFF), schema: { tags, summary: 'Remove a member', params: MemberParams, response: { 200: Ok, ...errorResponses } } },
    async (req) => {
      await admin.removeMember(req.params.queueId, req.params.agentId);
      return ok;
    },
  );

  for (const paused of [true, false]) {
    app.post(
      `/queues/:queueId/members/:agentId/${paused ? 'pause' : 'unpause'}`,
      {
        config: auth(STAFF),
        schema: {
          tags,
          summary: paused ? 'Pause a member in this queue (it is offered none of its calls)' : 'Unpause a member',
          params: MemberParams,
          ...pauseInput.schema,
          response: { 200: Type.Object({ status: Type.Literal('ok'), changed: Type.Boolean() }), ...errorResponses },
        },
        preValidation: pauseInput.preValidation,
      },
      async (req) => ({ status: 'ok' as const, changed: await admin.pauseMember(req.params.queueId, req.params.agentId, paused, req.body.reason ?? '') }),
    );
  }

  app.post(
    '/queues/:queueId/reset-stats',
    { config: auth(STAFF), schema: { tags, summary: "Reset the queue's statistics", params: QueueParams, response: { 200: Ok, ...errorResponses } } },
    async (req) => {
      await stats.resetQueue(req.params.queueId);
      req.log.info({ queue: req.params.queueId, by: actor(req) }, 'queue statistics reset');
      return ok;
    },
  );
}
