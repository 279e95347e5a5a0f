/**
 * The one id rule for queues, agents, reason codes and tenants, wherever an id comes from (the
 * configuration file, a URL, a body) and where it becomes part of a Redis key: letters, digits,
 * `_`, `.`, `-`, at most 64. No `:` (it would reach another key: `queue:sales:members`), and no
 * name of Object.prototype (`__proto__`, `constructor`...), which would alias plain-object
 * lookups keyed by id.
 */
import { AcdError } from './errors.js';

export const ID_MAX_LENGTH = 64;

const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype'];

/** For JSON schemas (TypeBox `pattern`) and messages. */
export const ID_PATTERN = `^(?!(?:${PROTOTYPE_NAMES.join('|')})$)[A-Za-z0-9_.-]{1,${ID_MAX_LENGTH}}$`;
const ID_RE = new RegExp(ID_PATTERN);

export const isId = (value: unknown): value is string => typeof value === 'string' && ID_RE.test(value);

/** A bounded excerpt of untrusted text for an error message. */
export const excerpt = (text: string, max = 64): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** AcdError `validation` (400) naming `field` unless `value` is an id. */
export function assertId(value: unknown, field: string): asserts value is string {
  if (!isId(value)) {
    const shown = typeof value === 'string' ? `'${excerpt(value)}'` : typeof value;
    throw new AcdError('validation', `${field} ${shown} is not a valid id (letters, digits, _ . -, at most ${ID_MAX_LENGTH}; not a reserved name)`, { field });
  }
}
