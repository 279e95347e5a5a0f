/**
 * A tiny ARI-style router. Parameters come from the query string, a form body or the top-level
 * fields of a JSON body (Asterisk reads all three); `variables` stays in the JSON body.
 */
import { AriError, badRequest } from './errors.js';

export interface AriRequest {
  method: string;
  /** Path under /ari, percent-decoded per segment (ids contain `;`). */
  path: string;
  params: Record<string, string>;
  /** Query, form and JSON body parameters, merged (later ones win). */
  args: Record<string, string>;
  /** The parsed JSON body, or null. */
  body: unknown;
}

export interface AriReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type AriHandler = (req: AriRequest) => AriReply;

interface Route {
  method: string;
  segments: string[];
  handler: AriHandler;
}

export class AriRouter {
  private readonly routes: Route[] = [];

  on(method: string, pattern: string, handler: AriHandler): this {
    this.routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** First matching route wins, so specific paths (`/channels/create`) go before `/channels/:id`. */
  dispatch(req: Omit<AriRequest, 'params'>): AriReply {
    const segments = req.path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      try {
        return route.handler({ ...req, params });
      } catch (err) {
        if (err instanceof AriError) return { status: err.status, body: err.body };
        throw err;
      }
    }
    return pathMatched ? { status: 405, body: { message: 'Invalid method' } } : { status: 404, body: { message: 'Resource not found' } };
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = actual[i]!;
    else if (p !== actual[i]) return undefined;
  }
  return params;
}

/** Splits `/ari/channels/caller-1%3B2` into decoded segments joined again: `/channels/caller-1;2`. */
export function decodeAriPath(pathname: string): string | undefined {
  if (!pathname.startsWith('/ari/') && pathname !== '/ari') return undefined;
  try {
    return '/' + pathname.slice(4).split('/').filter(Boolean).map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
}

/** Query values; a repeated key (`media=a&media=b`) becomes a comma list, as ARI reads it. */
export function searchParamsToArgs(params: URLSearchParams): Record<string, string> {
  const args: Record<string, string> = {};
  for (const key of new Set(params.keys())) args[key] = params.getAll(key).join(',');
  return args;
}

export function parseBody(raw: string, contentType: string | undefined): { body: unknown; args: Record<string, string> } {
  if (!raw.trim()) return { body: null, args: {} };
  if (contentType?.includes('application/x-www-form-urlencoded')) return { body: null, args: searchParamsToArgs(new URLSearchParams(raw)) };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw badRequest('Error parsing request body');
  }
  const args: Record<string, string> = {};
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const [key, value] of Object.entries(body)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') args[key] = String(value);
    }
  }
  return { body, args };
}

/** The `variables` object of a JSON body; Asterisk accepts only string values. */
export function bodyVariables(body: unknown): Record<string, string> | undefined {
  if (!body || typeof body !== 'object' || !('variables' in body)) return undefined;
  const variables = (body as { variables: unknown }).variables;
  if (variables === null || variables === undefined) return undefined;
  if (typeof variables !== 'object' || Array.isArray(variables)) throw badRequest("Only string values in the 'variables' object allowed");
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (typeof value !== 'string') throw badRequest("Only string values in the 'variables' object allowed");
    result[key] = value;
  }
  return result;
}

export function intArg(args: Record<string, string>, name: string): number | undefined {
  const raw = args[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw badRequest(`${name} must be an integer`);
  return value;
}
