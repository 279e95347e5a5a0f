/** Statistics settings from the configuration file's `stats` section. */
import { Type, type Static } from 'typebox';

export const StatsFileSchema = Type.Object(
  {
    /** Named groups of queues, for the live statistics' `group` filter. */
    groups: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.Array(Type.String({ minLength: 1 })))),
  },
  { additionalProperties: false },
);
export type StatsFile = Static<typeof StatsFileSchema>;

export interface StatsSettings {
  groups: Record<string, string[]>;
}

export class StatsSettingsError extends Error {
  constructor(readonly key: string, message: string) {
    super(message);
  }
}

export function resolveStatsSettings(file: StatsFile | undefined, queueIds: ReadonlySet<string>): StatsSettings {
  const groups = file?.groups ?? {};
  for (const [name, queues] of Object.entries(groups)) {
    queues.forEach((q, i) => {
      if (!queueIds.has(q)) throw new StatsSettingsError(`groups.${name}[${i}]`, `unknown queue '${q}'`);
    });
  }
  return { groups };
}
