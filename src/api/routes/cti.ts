/**
 * CTI over REST: the same commands as the WebSocket channel (src/cti/commands.ts).
 *   GET  /cti/agents/:session                 the agent's state and current dialog (also authorises the WebSocket)
 *   POST /cti/agents/:session/:command        {data} → {"result":"success","data":...}
 *   GET  /cti/supervisors/:session            the supervisor's monitor session
 *   POST /cti/supervisors/:session/:command
 *   GET  /recordings?callId=&agentId=          call recordings (on request or a queue's `record`), with durationS once ended
 *   GET  /recordings/:name/file?agentId=       its audio
 * `?callId=` names the call (the WebSocket's `<session>.<callId>` target). Failures are the usual
 * `{"status":"error","code","message"}` with the matching HTTP status.
 */
import { Type } from 'typebox';
import type { CallControl } from '../../acd/control/index.js';
import { runCommand, type CtiDeps } from '../../cti/commands.js';
import { sessionState } from '../../cti/state.js';
import { ALL_ROLES, assertMayJoin, auth, STAFF } from '../auth.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';
import { AcdError } from '../../domain/errors.js';

const SessionParams = Type.Object({ session: Type.String({ minLength: 1 }) });
const CommandParams = Type.Object({ session: Type.String({ minLength: 1 }), command: Type.String({ minLength: 1 }) });
const CommandQuery = Type.Object({ callId: Type.Optional(Type.String({ minLength: 1 })) });
const CommandBody = Type.Object({ data: Type.Optional(Type.Record(Type.String(), Type.Unknown())) });
const Success = Type.Object({ result: Type.Literal('success'), data: Type.Unknown() });
const tags = ['cti'];
const ANY_ROLE = auth(ALL_ROLES, { self: 'session' });
const STAFF_ONLY = auth(STAFF);

/** What the CTI commands need, from the API's dependencies. */
export const ctiDepsOf = (deps: ApiDeps & { control: CallControl }): CtiDeps => ({
  store: deps.store,
  agents: deps.agents,
  control: deps.control,
  reasons: deps.reasons,
  assertDestinationAllowed: deps.auth?.assertDestinationAllowed,
  // Every queue is checked before any is joined: a refused one leaves the agent's queues as they were.
  joinQueues: deps.admin
    ? async (queues, agentId) => {
        for (const queue of queues) await assertMayJoin(deps, agentId, queue);
        for (const queue of queues) await deps.admin.setMember(queue, agentId, 0, false);
      }
    : undefined,
});

export function ctiRoutes(app: ApiApp, deps: ApiDeps & { control: CallControl }): void {
  const cti = ctiDepsOf(deps);

  app.get(
    '/cti/agents/:session',
    { config: ANY_ROLE, schema: { tags, summary: "An agent's state and dialog", params: SessionParams, response: { 200: Type.Unknown(), ...errorResponses } } },
    (req) => sessionState(deps.store, req.params.session),
  );
  app.get(
    '/cti/supervisors/:session',
    { config: STAFF_ONLY, schema: { tags, summary: "A supervisor's monitor session", params: SessionParams, response: { 200: Type.Unknown(), ...errorResponses } } },
    (req) => ({ monitor: deps.control.monitorOf(req.params.session) ?? null }),
  );
  app.get(
    '/recordings',
    {
      config: auth(ALL_ROLES, { self: 'agentId' }),
      schema: {
        tags,
        summary: 'Call recordings made on request, newest first',
        querystring: Type.Object({ callId: Type.Optional(Type.String({ minLength: 1 })), agentId: Type.Optional(Type.String({ minLength: 1 })) }),
        response: { 200: Type.Array(Type.Object({ name: Type.String(), format: Type.String(), callId: Type.String(), agentId: Type.String(), queue: Type.String(), startedAt: Type.Number(), by: Type.String(), durationS: Type.Optional(Type.Number()) })), ...errorResponses },
      },
    },
    (req) => deps.store.listRecordings(req.query),
  );
  app.get(
    '/recordings/:name/file',
    {
      // As the list: an agent key must name itself (?agentId=) and gets only its own recordings.
      config: auth(ALL_ROLES, { self: 'agentId' }),
      schema: {
        tags,
        summary: "A recording's audio (Content-Type from the PBX, e.g. audio/wav)",
        params: Type.Object({ name: Type.String({ minLength: 1 }) }),
        querystring: Type.Object({ agentId: Type.Optional(Type.String({ minLength: 1 })) }),
        // Buffers skip Fastify's serializer: the schema only documents the binary body.
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { info, file } = await deps.control.recordingFile(req.params.name);
      if (req.query.agentId !== undefined && info.agentId !== req.query.agentId) throw new AcdError('not_found', `recording '${req.params.name}' does not exist`, { field: 'name' });
      return reply.header('content-type', file.contentType).header('content-disposition', `attachment; filename="${info.name}.${info.format}"`).send(file.data);
    },
  );
  for (const [kind, role, access] of [
    ['agents', 'agent', ANY_ROLE],
    ['supervisors', 'supervisor', STAFF_ONLY],
  ] as const) {
    app.post(
      `/cti/${kind}/:session/:command`,
      {
        config: access,
        // A command without parameters may come without a body.
        preValidation: async (req: { body: unknown }) => {
          req.body ??= {};
        },
        schema: { tags, summary: `A ${role} CTI command`, params: CommandParams, querystring: CommandQuery, body: CommandBody, response: { 200: Success, ...errorResponses } },
      },
      async (req) => ({
        result: 'success' as const,
        data: (await runCommand(role, req.params.command, { deps: cti, session: req.params.session, callId: req.query.callId, data: req.body.data ?? {} })) ?? {},
      }),
    );
  }
}
