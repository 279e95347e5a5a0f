/**
 * The routing keys of queues and agents in the configuration file: their schema (spread into the
 * queue / agent schemas by config.ts) and the checks a schema cannot express. Only keys that are
 * set end up in the definition (unset = the documented default, applied by the store).
 */
import { Type, type Static } from 'typebox';
import { MAX_SKILL_LEVEL, SKILL_MATCH_PATTERN, SKILL_NAME_PATTERN, STRATEGIES, type QueueRouting, type SkillMatch, type Strategy } from '../domain/routing.js';

const Seconds = (max: number) => Type.Integer({ minimum: 0, maximum: max });
const Penalty = Type.Integer({ minimum: 0, maximum: 1000 });

export const routingSchemaProperties = {
  // Unsafe keeps the literal union in the static type (a mapped array would widen it).
  strategy: Type.Optional(Type.Unsafe<Strategy>(Type.Union(STRATEGIES.map((s) => Type.Literal(s))))),
  maxPenalty: Type.Optional(Penalty),
  penaltyRules: Type.Optional(Type.Array(Type.Object({ afterS: Seconds(86_400), maxPenalty: Penalty }, { additionalProperties: false }), { maxItems: 20 })),
  steps: Type.Optional(
    Type.Array(
      Type.Object({ timeoutS: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })), match: Type.String({ pattern: SKILL_MATCH_PATTERN }) }, { additionalProperties: false }),
      { minItems: 1, maxItems: 10 },
    ),
  ),
  ringStepS: Type.Optional(Type.Integer({ minimum: 1, maximum: 600 })),
  retryS: Type.Optional(Seconds(3600)),
  busyRetryS: Type.Optional(Seconds(3600)),
  rejectRetryS: Type.Optional(Seconds(3600)),
  maxNoAnswer: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  ringInUse: Type.Optional(Type.Boolean()),
};

/** Agent keys: skills, and per-membership position and weight. */
export const Skills = Type.Record(Type.String({ pattern: SKILL_NAME_PATTERN }), Type.Integer({ minimum: 1, maximum: MAX_SKILL_LEVEL }));
export const membershipRoutingProperties = {
  order: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
};

type RoutingFile = Static<ReturnType<typeof Type.Object<typeof routingSchemaProperties>>>;

/** Thrown with the key relative to the queue (`steps[1].timeoutS`); config.ts prefixes `queues[i].`. */
export class RoutingConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/** Defaults and cross checks for one queue's routing keys. */
export function resolveRouting(q: RoutingFile): QueueRouting {
  if (q.penaltyRules && q.maxPenalty === undefined) throw new RoutingConfigError('maxPenalty', 'required with penaltyRules: the ceiling a new caller starts from');
  const steps = q.steps;
  steps?.forEach((step, i) => {
    if (step.timeoutS === undefined && i < steps.length - 1) throw new RoutingConfigError(`steps[${i}].timeoutS`, 'required on every step but the last');
  });
  const set = <K extends keyof QueueRouting>(key: K, value: QueueRouting[K] | undefined) => (value === undefined ? {} : { [key]: value });
  return {
    strategy: q.strategy ?? 'longest-idle',
    ...set('maxPenalty', q.maxPenalty),
    ...set('penaltyRules', q.penaltyRules && [...q.penaltyRules].sort((a, b) => a.afterS - b.afterS)),
    ...set('steps', steps?.map((s) => ({ ...(s.timeoutS !== undefined ? { timeoutS: s.timeoutS } : {}), match: s.match as SkillMatch }))),
    ...set('ringStepS', q.ringStepS),
    ...set('retryS', q.retryS),
    ...set('busyRetryS', q.busyRetryS),
    ...set('rejectRetryS', q.rejectRetryS),
    ...set('maxNoAnswer', q.maxNoAnswer),
    ...set('ringInUse', q.ringInUse),
  };
}
