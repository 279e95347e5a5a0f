/**
 * Request parameters may come as path parameters, a query string or a JSON body, or several of
 * these: curl one-liners and HTML forms work as well as JSON clients. Each parameter has ONE
 * value: a name given in two places with different values is refused (400) before anything
 * reads it, so the value the authorizer checks is the value the handler uses.
 *
 * For command routes the query is then merged into the body before validation, so one schema
 * judges the result; query values are strings, so they are first converted to the schema's types
 * ('true' → true) while body values are not.
 */
import type { FastifyRequest } from 'fastify';
import { type TObject, Type } from 'typebox';
import { Value } from 'typebox/value';
import { AcdError } from '../domain/errors.js';
import { assertId } from '../domain/ids.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SOURCES = ['params', 'query', 'body'] as const;
type Source = (typeof SOURCES)[number];

/** Query values are strings: `?ready=true` and `{"ready":true}` say the same thing. */
function sameValue(a: unknown, b: unknown): boolean {
  const text = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  return text(a) === text(b);
}

function sourcesOf(req: FastifyRequest): [Source, Record<string, unknown>][] {
  return SOURCES.flatMap((s) => (isPlainObject(req[s]) ? [[s, req[s] as Record<string, unknown>] as [Source, Record<string, unknown>]] : []));
}

/** Throws AcdError `validation` (400) naming the first parameter given twice with different values. */
export function assertOneValuePerParameter(req: FastifyRequest): void {
  const seen = new Map<string, { source: Source; value: unknown }>();
  for (const [source, values] of sourcesOf(req)) {
    for (const name of Object.keys(values)) {
      const value = values[name];
      const first = seen.get(name);
      if (!first) seen.set(name, { source, value });
      else if (!sameValue(first.value, value)) {
        throw new AcdError('validation', `parameter '${name}' is given in the ${first.source} and the ${source} with different values`, { field: name });
      }
    }
  }
}

/** AcdError `validation` (400) naming the first string parameter (at any depth) longer than `max`. */
export function assertStringLengths(req: FastifyRequest, max: number): void {
  const visit = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (value.length > max) throw new AcdError('validation', `${path} is longer than ${max} characters`, { field: path });
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, `${path}[${i}]`));
    else if (isPlainObject(value)) for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k);
  };
  for (const [, values] of sourcesOf(req)) visit(values, '');
}

/** Parameters that name a queue or an agent, wherever they come from (one value or a list). */
const ID_PARAMETERS = ['agentId', 'queueId', 'agent', 'queue', 'agents', 'queues', 'session'];
/** List parameters that may come as one comma-separated string (PBXIS: `/client/<tech>/147,149/q1,q2`). */
const LIST_PARAMETERS = new Set(['agents', 'queues']);

/** AcdError `validation` (400) naming the parameter unless every id parameter is an id (src/domain/ids.ts). */
export function assertIdParameters(req: FastifyRequest): void {
  for (const name of ID_PARAMETERS) {
    const value = requestParameter(req, name);
    if (value === undefined) continue;
    // Other shapes (a membership object in `queues`) are left to the route's schema.
    const ids = Array.isArray(value) ? value : typeof value === 'string' && LIST_PARAMETERS.has(name) ? value.split(',') : [value];
    for (const id of ids) if (typeof id === 'string') assertId(id, name);
  }
}

/**
 * Everything the API checks in a request before authorizing it (the auth hook runs this first):
 * a body that is JSON `null` (it would read as "no parameters"), over-long strings, a parameter
 * with two values, ids that are not ids. Each is a 400 naming the parameter.
 */
export function checkRequestInput(req: FastifyRequest, maxStringLength: number): void {
  if (req.body === null) throw new AcdError('validation', 'the body must be a JSON object, not null', { field: '(body)' });
  assertStringLengths(req, maxStringLength);
  assertOneValuePerParameter(req);
  assertIdParameters(req);
}

/**
 * The raw names in the query string, as sent (`%74oken` stays `%74oken`): credentials are
 * recognised only under their exact names, so no spelling slips past the log redaction.
 */
export function rawQueryNames(req: FastifyRequest): Set<string> {
  const query = req.url.split('?')[1]?.split('#')[0] ?? '';
  return new Set(query.split('&').map((part) => part.split('=')[0]!));
}

/** The one value of parameter `name` (path, query or body); call after `assertOneValuePerParameter`. */
export function requestParameter(req: FastifyRequest, name: string): unknown {
  for (const [, values] of sourcesOf(req)) if (Object.hasOwn(values, name)) return values[name];
  return undefined;
}

/** Route options for a command: `schema` parts (body + the same fields as query, for the docs) and the merging hook. */
export function commandInput<T extends TObject>(body: T) {
  return {
    schema: { body, querystring: Type.Partial(body) },
    async preValidation(req: FastifyRequest): Promise<void> {
      // Anything but an object (array, string, number) is left as sent for validation to reject.
      if (req.body !== undefined && req.body !== null && !isPlainObject(req.body)) return;
      const fromQuery = isPlainObject(req.query) ? Value.Convert(body, { ...req.query }) : {};
      req.body = { ...(isPlainObject(fromQuery) ? fromQuery : {}), ...(req.body ?? {}) };
    },
  };
}
