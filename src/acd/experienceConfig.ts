/**
 * The caller-experience keys of a queue in the configuration file: their schema (spread into the
 * queue schema by config.ts) and the checks a schema cannot express (references to other queues,
 * clashing DTMF keys).
 */
import { Type, type Static } from 'typebox';
import { RECORD_NAME_FIELDS, type CallerExperience, type EmptyCondition, type RecordFormat } from '../domain/callerExperience.js';

const Dtmf = Type.String({ pattern: '^[0-9*#]$' });
const Condition = Type.Union([Type.Literal('unavailable'), Type.Literal('paused'), Type.Literal('inuse'), Type.Literal('wrapup')]);
// Spelled out (a mapped union loses its static type inside the file schema); this line fails to
// compile when it and EMPTY_CONDITIONS disagree.
const _sameConditions: [Static<typeof Condition>, EmptyCondition] extends [EmptyCondition, Static<typeof Condition>] ? true : never = true;
const Conditions = Type.Array(Condition, { uniqueItems: true });
const Seconds = (max: number) => Type.Integer({ minimum: 0, maximum: max });
const RecordFormatSchema = Type.Union([
  Type.Literal('wav'),
  Type.Literal('wav16'),
  Type.Literal('gsm'),
  Type.Literal('ulaw'),
  Type.Literal('alaw'),
  Type.Literal('sln'),
  Type.Literal('g722'),
]);
// Spelled out like Condition; fails to compile when it and RECORD_FORMATS disagree.
const _sameFormats: [Static<typeof RecordFormatSchema>, RecordFormat] extends [RecordFormat, Static<typeof RecordFormatSchema>] ? true : never = true;

export const experienceSchemaProperties = {
  ringInsteadOfMoh: Type.Optional(Type.Boolean()),
  holdMediaDelayMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  continueOnAgentHangup: Type.Optional(Type.Boolean()),
  maxLen: Type.Optional(Seconds(100_000)),
  joinEmpty: Type.Optional(Conditions),
  leaveWhenEmpty: Type.Optional(Conditions),
  leaveEmptyCheckS: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
  timeoutS: Type.Optional(Seconds(86_400)),
  exitKey: Type.Optional(Dtmf),
  overflowQueue: Type.Optional(Type.String({ minLength: 1 })),
  announce: Type.Optional(
    Type.Object(
      {
        frequencyS: Seconds(3600),
        firstDelayS: Type.Optional(Seconds(3600)),
        minIntervalS: Type.Optional(Seconds(3600)),
        position: Type.Optional(Type.Boolean()),
        holdTime: Type.Optional(Type.Boolean()),
      },
      { additionalProperties: false },
    ),
  ),
  periodic: Type.Optional(
    Type.Object(
      { sounds: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), frequencyS: Seconds(3600), firstDelayS: Type.Optional(Seconds(3600)) },
      { additionalProperties: false },
    ),
  ),
  callback: Type.Optional(
    Type.Object(
      {
        key: Dtmf,
        dialString: Type.String({ pattern: '\\{number\\}' }),
        attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
        retryDelayS: Type.Optional(Seconds(3600)),
        ringTimeoutS: Type.Optional(Type.Integer({ minimum: 1, maximum: 300 })),
      },
      { additionalProperties: false },
    ),
  ),
  resumeWindowS: Type.Optional(Seconds(86_400)),
  defaultHandleS: Type.Optional(Seconds(86_400)),
  record: Type.Optional(
    Type.Object(
      {
        format: RecordFormatSchema,
        // Recording names become file names on the PBX: safe characters and placeholders only.
        nameTemplate: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_{}-]+$', maxLength: 100 })),
      },
      { additionalProperties: false },
    ),
  ),
};

const _experienceFile = Type.Object({ ...experienceSchemaProperties, musicClass: Type.Optional(Type.String()) });
type ExperienceFile = Static<typeof _experienceFile>;

/** Thrown with the key relative to the queue (`overflowQueue`); config.ts prefixes `queues[i].`. */
export class ExperienceConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/** Defaults and cross checks for one queue's experience keys. */
export function resolveExperience(q: ExperienceFile & { id: string }, queueIds: ReadonlySet<string>): CallerExperience {
  if (q.overflowQueue !== undefined) {
    if (!queueIds.has(q.overflowQueue)) throw new ExperienceConfigError('overflowQueue', `unknown queue '${q.overflowQueue}'`);
    if (q.overflowQueue === q.id) throw new ExperienceConfigError('overflowQueue', 'a queue cannot overflow into itself');
  }
  if (q.exitKey !== undefined && q.exitKey === q.callback?.key) throw new ExperienceConfigError('callback.key', `same key as exitKey ('${q.exitKey}')`);
  if (q.record?.nameTemplate !== undefined) checkNameTemplate(q.record.nameTemplate);
  const a = q.announce;
  const c = q.callback;
  // Scalar keys stay absent when not given (their defaults live where they are read: 0 / [] =
  // rule off); the nested objects get their inner defaults here.
  const given = <K extends keyof ExperienceFile>(...names: K[]) =>
    Object.fromEntries(names.filter((n) => q[n] !== undefined).map((n) => [n, q[n]])) as Pick<ExperienceFile, K>;
  return {
    musicClass: q.musicClass ?? 'default',
    ...given('ringInsteadOfMoh', 'holdMediaDelayMs', 'continueOnAgentHangup', 'maxLen', 'joinEmpty', 'leaveWhenEmpty', 'leaveEmptyCheckS', 'timeoutS', 'exitKey', 'overflowQueue', 'resumeWindowS', 'defaultHandleS'),
    ...(a ? { announce: { frequencyS: a.frequencyS, firstDelayS: a.firstDelayS, minIntervalS: a.minIntervalS ?? 0, position: a.position ?? true, holdTime: a.holdTime ?? true } } : {}),
    ...(q.periodic ? { periodic: { ...q.periodic } } : {}),
    ...(q.record ? { record: { ...q.record } } : {}),
    ...(c ? { callback: { key: c.key, dialString: c.dialString, attempts: c.attempts ?? 3, retryDelayS: c.retryDelayS ?? 30, ringTimeoutS: c.ringTimeoutS ?? 30 } } : {}),
  };
}

function checkNameTemplate(template: string): void {
  const fields = [...template.matchAll(/\{(\w*)\}/g)].map((m) => m[1]!);
  const unknown = fields.find((f) => !(RECORD_NAME_FIELDS as readonly string[]).includes(f));
  if (unknown !== undefined) throw new ExperienceConfigError('record.nameTemplate', `unknown placeholder {${unknown}}; use ${RECORD_NAME_FIELDS.map((f) => `{${f}}`).join(', ')}`);
  if (!fields.includes('callId') || !fields.includes('ts')) throw new ExperienceConfigError('record.nameTemplate', 'must contain {callId} and {ts} so that every recording name is unique');
}
