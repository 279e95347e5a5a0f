/**
 * Command parameters may come as a query string or a JSON body, or both (the body wins on a
 * clash): curl one-liners and HTML forms work as well as JSON clients. The query is merged into
 * the body before validation, so one schema judges the result; query values are strings, so
 * they are first converted to the schema's types ('true' → true) while body values are not.
 */
import type { FastifyRequest } from 'fastify';
import { type TObject, Type } from 'typebox';
import { Value } from 'typebox/value';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
