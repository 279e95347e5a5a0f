/**
 * Live statistics: `POST /api/v2/liveQueue/count` (Live Queue API shape: `ssid` or
 * `userId` + `token` accepted as credentials).
 */
import { Type } from 'typebox';
import { AcdError } from '../../domain/errors.js';
import { auth, STAFF } from '../auth.js';
import { commandInput } from '../commandInput.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';

const Ids = Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 });
const When = Type.Union([Type.Integer({ minimum: 0, description: 'ms epoch' }), Type.String({ minLength: 1, description: 'ISO 8601 date-time' })]);

const countInput = commandInput(
  Type.Object({
    ssid: Type.Optional(Type.String({ description: 'API key (Live Queue API name)' })),
    userId: Type.Optional(Type.String()),
    token: Type.Optional(Type.String({ description: 'API key, with userId' })),
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
const CountReply = Type.Object({
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

export function liveQueueRoutes(app: ApiApp, { stats }: ApiDeps): void {
  app.post(
    '/v2/liveQueue/count',
    {
      config: auth(STAFF),
      schema: { tags: ['statistics'], summary: 'Live queue figures and totals', ...countInput.schema, response: { 200: CountReply, ...errorResponses } },
      preValidation: countInput.preValidation,
    },
    async (req) => {
      const { filter = {}, groupBy, timeZone } = req.body;
      const data = await stats.count({ ...filter, from: toMs(filter.from, 'from'), to: toMs(filter.to, 'to'), groupBy, timeZone });
      return { status: 'ok' as const, data };
    },
  );
}
