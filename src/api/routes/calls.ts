/** Commands on queue calls: change a waiting caller's priority, withdraw a caller, hang up. */
import { Type } from 'typebox';
import { actor, auth, STAFF } from '../auth.js';
import { commandInput } from '../commandInput.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { CallSnapshotSchema, errorResponses } from '../schemas.js';

const tags = ['calls'];
const CallParams = Type.Object({ callId: Type.String({ minLength: 1 }) });
const Ok = Type.Object({ status: Type.Literal('ok') });
const priorityInput = commandInput(Type.Object({ priority: Type.Integer({ minimum: 0, maximum: 999, description: 'higher is served first (0-999, as Stasis(acd,<queue>,priority=N))' }) }));

export function callRoutes(app: ApiApp, { calls }: ApiDeps): void {
  app.post(
    '/calls/:callId/priority',
    {
      config: auth(STAFF),
      schema: { tags, summary: "Change a waiting caller's priority", params: CallParams, ...priorityInput.schema, response: { 200: Type.Object({ status: Type.Literal('ok'), call: CallSnapshotSchema }), ...errorResponses } },
      preValidation: priorityInput.preValidation,
    },
    async (req) => ({ status: 'ok' as const, call: await calls.setPriority(req.params.callId, req.body.priority, { by: actor(req) }) }),
  );

  app.post(
    '/calls/:callId/withdraw',
    {
      config: auth(STAFF),
      schema: { tags, summary: 'Withdraw a caller: it leaves the queue and continues in the dialplan (QUEUESTATUS=WITHDRAW)', params: CallParams, response: { 200: Ok, ...errorResponses } },
    },
    async (req) => {
      await calls.withdraw(req.params.callId, { by: actor(req) });
      return { status: 'ok' as const };
    },
  );

  app.post(
    '/calls/:callId/hangup',
    { config: auth(STAFF), schema: { tags, summary: 'Hang a call up', params: CallParams, response: { 200: Ok, ...errorResponses } } },
    async (req) => {
      await calls.hangup(req.params.callId, { by: actor(req) });
      return { status: 'ok' as const };
    },
  );
}
