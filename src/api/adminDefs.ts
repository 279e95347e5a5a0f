/**
 * Queue and agent definitions sent to the admin API are judged by the configuration file's own
 * schema and defaults (src/config.ts), so a queue created over HTTP is exactly what the same
 * entry in the file would give, every definition part included. Config errors become
 * `validation` errors naming the field.
 */
import { ConfigError, resolveConfigFile } from '../config.js';
import { AcdError } from '../domain/errors.js';
import type { AgentDef, QueueDef } from '../domain/queue.js';

function asValidation<T>(build: () => T, prefix: RegExp): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof ConfigError) {
      const field = e.key.replace(prefix, '') || '(body)';
      throw new AcdError('validation', `${field}: ${e.message.replace(/^config error: [^:]+: /, '')}`, { field });
    }
    throw e;
  }
}

/** A queue definition with defaults applied; `otherQueues` are ids it may refer to (overflow...). */
export function resolveQueue(input: Record<string, unknown>, otherQueues: string[]): QueueDef {
  const others = otherQueues.filter((id) => id !== input.id).map((id) => ({ id }));
  return asValidation(() => resolveConfigFile({ queues: [input, ...others] }).queues[0]!, /^queues\[0\]\.?/);
}

/** An agent definition with defaults applied, its memberships checked against `queues`. */
export function resolveAgent(input: Record<string, unknown>, queues: string[]): AgentDef {
  return asValidation(() => resolveConfigFile({ queues: queues.map((id) => ({ id })), agents: [input] }).agents[0]!, /^agents\[0\]\.?/);
}

/** Keeps only the defined fields of a stored definition (JSON round trip drops undefined). */
export const plain = <T extends object>(def: T): Record<string, unknown> => JSON.parse(JSON.stringify(def)) as Record<string, unknown>;
