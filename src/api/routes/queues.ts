/** Queues and calls: definitions with live figures, and the calls in them. */
import { Type } from 'typebox';
import { AcdError } from '../../domain/errors.js';
import { ALL_ROLES, auth, STAFF } from '../auth.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { PRESENT_STATUSES, queueStatuses, withPositions } from '../queueStats.js';
import { CallSnapshotSchema, errorResponses, QueueDefSchema } from '../schemas.js';

const QueueStatusSchema = Type.Object({
  ...QueueDefSchema.properties,
  waiting: Type.Number({ description: 'callers waiting' }),
  longestWaitMs: Type.Number({ description: 'wait of the caller waiting longest; 0 when none' }),
  agents: Type.Object({
    loggedIn: Type.Number(),
    byStatus: Type.Object(Object.fromEntries(PRESENT_STATUSES.map((s) => [s, Type.Number()]))),
  }),
});

const WaitingCallSchema = Type.Object({
  ...CallSnapshotSchema.properties,
  position: Type.Number({ description: '1 = next to be offered' }),
  waitMs: Type.Number(),
});

const QueueCallsSchema = Type.Object({
  queue: Type.String(),
  waiting: Type.Array(WaitingCallSchema),
  /** Offering or connected, each with its agent. */
  active: Type.Array(CallSnapshotSchema),
});

const tags = ['queues'];

export function queueRoutes(app: ApiApp, { store }: ApiDeps): void {
  app.get(
    '/queues',
    { config: auth(ALL_ROLES), schema: { tags, summary: 'Queues with live figures', response: { 200: Type.Array(QueueStatusSchema), ...errorResponses } } },
    async () => {
      const queues = await store.listQueues();
      const { queues: loads } = await store.load(queues.map((q) => q.id));
      return queueStatuses(queues, loads, Date.now());
    },
  );

  app.get(
    '/queues/:queueId/calls',
    {
      config: auth(STAFF),
      schema: {
        tags,
        summary: 'Calls of one queue: waiting in order, then offering/connected',
        params: Type.Object({ queueId: Type.String({ minLength: 1 }) }),
        response: { 200: QueueCallsSchema, ...errorResponses },
      },
    },
    async (req) => {
      const { queueId } = req.params;
      if (!(await store.getQueue(queueId))) throw new AcdError('queue_not_found', `queue '${queueId}' does not exist`);
      // The queue's calls read once; the waiting ones in queue order (the waiting set's ids).
      const [order, calls] = await Promise.all([store.waitingOrder(queueId), store.queueCalls(queueId)]);
      const byId = new Map(calls.map((c) => [c.id, c]));
      const waiting = order.flatMap((id) => byId.get(id) ?? []);
      return { queue: queueId, waiting: withPositions(waiting, Date.now()), active: calls.filter((c) => c.state !== 'waiting') };
    },
  );

  app.get(
    '/calls',
    { config: auth(STAFF), schema: { tags: ['calls'], summary: 'All active calls', response: { 200: Type.Array(CallSnapshotSchema), ...errorResponses } } },
    () => store.listCalls(),
  );
}
