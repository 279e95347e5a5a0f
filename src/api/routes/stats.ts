/**
 * Live statistics: the engine's own `POST /api/stats/count`, the Live Queue API's `POST /api/v2/liveQueue/count` (also under a prefix such
 * as `/deepcall`; src/compat/liveQueue, docs/compat-live-queue.md) (Prometheus metrics: routes/metrics.ts).
 */
import { Type } from 'typebox';
import { AcdError } from '../../domain/errors.js';
import { commandInput } from '../commandInput.js';
import { liveQueueCount } from '../../compat/liveQueue/count.js';
import { LiveQueueError, liveQueueErrorOf } from '../../compat/liveQueue/errors.js';
import { parseBody, readCountRequest } from '../../compat/liveQueue/request.js';
import { auth, principalOf, STAFF } from '../auth.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';

const COUNT_PATH = '/api/v2/liveQueue/count';

const CountReply = Type.Object({
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'onB, onC, web, agTc, size, grp, ag, st, str, ctyp, campId, qDura, did, the requested fields, breakDown' }),
  status: Type.Literal('success'),
  code: Type.Literal(200),
});

/**
 * The count route at `/api/v2/liveQueue/count` and `<prefix>/api/v2/liveQueue/count`, in a
 * plugin of its own: any content type is read as JSON, and errors take the Live Queue form.
 */
export async function liveQueueRoutes(app: ApiApp, deps: ApiDeps, prefix = '/deepcall'): Promise<void> {
  // The same request (same credential, same body) while it is still computed: 1501.
  const inFlight = new Set<string>();
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, parseBody(body.toString()));
      } catch (err) {
        done(err as LiveQueueError, undefined);
      }
    });
    scope.setErrorHandler((err, req, reply) => {
      const { httpStatus, body } = liveQueueErrorOf(err);
      if (httpStatus >= 500) req.log.error({ err }, 'Live Queue request failed');
      else req.log.info({ code: body.code, reason: body.message }, 'Live Queue request rejected');
      return reply.status(httpStatus).send(body);
    });
    for (const path of new Set([COUNT_PATH, `${prefix.replace(/\/+$/, '')}${COUNT_PATH}`])) {
      scope.post(
        path,
        {
          config: auth(STAFF),
          schema: {
            tags: ['statistics'],
            summary: 'Live Queue count: live queue and agent figures, totals and a breakdown',
            description: 'Body: JSON whatever the content type: ssid or userId + token, filter [..], extra {includeInactive, timeZone, groupBy}, breakDown, disPlay, fields, multi. See docs/compat-live-queue.md.',
            response: { 200: CountReply, ...errorResponses },
          },
        },
        async (req) => {
          const request = readCountRequest((req.body as Record<string, unknown> | undefined) ?? {});
          const { credentials: _credentials, ...asked } = request;
          const key = `${principalOf(req).credential}\u0000${JSON.stringify(asked)}`;
          if (inFlight.has(key)) throw new LiveQueueError(1501, 'Data already in processing: the same request is still being computed');
          inFlight.add(key);
          try {
            return { data: { ...(await liveQueueCount(deps, request)) }, status: 'success' as const, code: 200 as const };
          } finally {
            inFlight.delete(key);
          }
        },
      );
    }
  });
}

const Ids = Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 });
const When = Type.Union([Type.Integer({ minimum: 0, description: 'ms epoch' }), Type.String({ minLength: 1, description: 'ISO 8601 date-time' })]);

const countInput = commandInput(
  Type.Object({
    filter: Type.Optional(Type.Object({ queue: Type.Optional(Ids), agent: Type.Optional(Ids), group: Type.Optional(Ids), from: Type.Optional(When), to: Type.Optional(When) }, { additionalProperties: false })),
    groupBy: Type.Optional(Type.Union([Type.Literal('hourly'), Type.Literal('daily')])),
    timeZone: Type.Optional(Type.String({ description: 'IANA zone for groupBy buckets; default UTC' })),
  }),
);

const Totals = {
  TC: Type.Number({ description: 'calls offered' }),
  answered: Type.Number(),
  abandoned: Type.Number(),
  avgWaitMs: Type.Number({ description: 'average wait of answered calls' }),
  AHT: Type.Number({ description: 'average handle time (talk + wrap-up), ms' }),
  ABT: Type.Number({ description: 'average break time, ms' }),
  serviceLevel: Type.Number({ description: 'answered within the threshold / answered' }),
  serviceLevelWithAbandons: Type.Number({ description: 'answered within the threshold / (answered + abandoned)' }),
};
const FiguresSchema = Type.Object({
  onB: Type.Number({ description: 'agents on break (not ready)' }),
  onC: Type.Number({ description: 'agents on a call' }),
  agTc: Type.Number({ description: 'agents logged in' }),
  ready: Type.Number(),
  wrapup: Type.Number(),
  queueSize: Type.Number(),
  longestWaitMs: Type.Number(),
  AC: Type.Number({ description: 'active calls (offered or connected)' }),
  ...Totals,
});
const NativeCountReply = Type.Object({
  status: Type.Literal('ok'),
  data: Type.Object({
    from: Type.Number(),
    to: Type.Number(),
    overall: FiguresSchema,
    queues: Type.Record(Type.String(), FiguresSchema),
    series: Type.Optional(Type.Array(Type.Object({ bucket: Type.String(), ...Totals }))),
  }),
});

function toMs(v: number | string | undefined, field: string): number | undefined {
  if (typeof v !== 'string') return v;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new AcdError('validation', `filter.${field}: '${v}' is not a date-time`, { field: `filter.${field}` });
  return ms;
}

/**
 * The engine's own statistics request (`POST /api/stats/count`, under the /api prefix): figures
 * per queue and overall with service levels, in ms. (Its earlier path now speaks the Live Queue API.)
 */
export function nativeStatsRoute(app: ApiApp, { stats }: ApiDeps): void {
  app.post(
    '/stats/count',
    {
      config: auth(STAFF),
      schema: { tags: ['statistics'], summary: 'Live queue figures and totals (native form)', ...countInput.schema, response: { 200: NativeCountReply, ...errorResponses } },
      preValidation: countInput.preValidation,
    },
    async (req) => {
      const { filter = {}, groupBy, timeZone } = req.body;
      const data = await stats.count({ ...filter, from: toMs(filter.from, 'from'), to: toMs(filter.to, 'to'), groupBy, timeZone });
      return { status: 'ok' as const, data };
    },
  );
}
