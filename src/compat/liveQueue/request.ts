/**
 * The Live Queue `count` request, read from whatever JSON the client sent (its sample clients
 * send no content type or text/plain). Where the document leaves a meaning open, the reading a
 * call-center analyst expects (docs/compat-live-queue.md):
 * - `filter`: an array of filter objects, each `{"<dimension>": value}` or
 *   `{"key"|"field"|"type": "<dimension>", "value": value}`; dimensions `campId` (= queue, also
 *   `queue`), `agentId` (also `agent`), `grp` (a configured queue group, also `group`), `from` /
 *   `to` (also `startDate` / `endDate`: ms epoch or ISO date-time). Values: a string or an array
 *   of strings. Anything else is error 1502.
 * - `extra`: an object, or an array of such objects merged: `includeInactive` ("true" / true),
 *   `timeZone` (`UTC+5:30` or IANA), `groupBy` (`hourly` / `daily`).
 * - `breakDown`: `agentId` (default), `campId`, `grp` or `date` (needs `groupBy`).
 * - `fields`: TC, AC, WT, AT, AHT, ABT (default ["TC"]); `multi` true = every field in each
 *   breakdown row, false = the first field only (the totals always carry every field).
 */
import { badRequest, invalidFilter } from './errors.js';
import { resolveTimeZone } from './timeZone.js';

export const FIELDS = ['TC', 'AC', 'WT', 'AT', 'AHT', 'ABT'] as const;
export type Field = (typeof FIELDS)[number];
export const BREAKDOWNS = ['agentId', 'campId', 'grp', 'date'] as const;
export type BreakDown = (typeof BREAKDOWNS)[number];

export interface CountRequest {
  credentials: { ssid?: string; userId?: string; token?: string };
  queue?: string[];
  agent?: string[];
  group?: string[];
  from?: number;
  to?: number;
  includeInactive: boolean;
  timeZone: string;
  groupBy?: 'hourly' | 'daily';
  breakDown: BreakDown;
  disPlay: string;
  fields: Field[];
  multi: boolean;
}

const DIMENSIONS: Record<string, 'queue' | 'agent' | 'group' | 'from' | 'to'> = {
  campId: 'queue',
  queue: 'queue',
  agentId: 'agent',
  agent: 'agent',
  grp: 'group',
  group: 'group',
  from: 'from',
  startDate: 'from',
  to: 'to',
  endDate: 'to',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body as an object: JSON text whatever the content type; empty = {}. */
export function parseBody(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw badRequest('the body is not JSON');
  }
  if (!isObject(body)) throw badRequest('the body must be a JSON object');
  return body;
}

function strings(dimension: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => typeof v === 'string' && v !== '')) throw invalidFilter(`filter ${dimension}: expected a string or an array of strings`);
  return list as string[];
}

function instant(dimension: string, value: unknown): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? (/^\d+$/.test(value) ? Number(value) : Date.parse(value)) : NaN;
  if (!Number.isFinite(ms) || ms < 0) throw invalidFilter(`filter ${dimension}: '${String(value)}' is not a date-time`);
  return ms;
}

function readFilters(filter: unknown, into: CountRequest): void {
  if (filter === undefined) return;
  if (!Array.isArray(filter)) throw invalidFilter('filter: expected an array of filter objects');
  for (const item of filter) {
    if (!isObject(item)) throw invalidFilter('filter: each entry must be an object');
    const named = item.key ?? item.field ?? item.type;
    const pairs: [string, unknown][] = typeof named === 'string' ? [[named, item.value]] : Object.entries(item);
    for (const [name, value] of pairs) {
      const dim = DIMENSIONS[name];
      if (!dim) throw invalidFilter(`filter: unknown field '${name}' (${Object.keys(DIMENSIONS).join(', ')})`);
      if (dim === 'from' || dim === 'to') into[dim] = instant(name, value);
      else into[dim] = [...(into[dim] ?? []), ...strings(name, value)];
    }
  }
}

function readExtra(extra: unknown): Record<string, unknown> {
  if (extra === undefined) return {};
  if (isObject(extra)) return extra;
  if (Array.isArray(extra) && extra.every(isObject)) return Object.assign({}, ...extra) as Record<string, unknown>;
  throw badRequest('extra: expected an object (or an array of objects)');
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw badRequest(`${name}: expected true or false`);
}

export function readCountRequest(body: Record<string, unknown>): CountRequest {
  const optString = (name: string): string | undefined => {
    const v = body[name];
    if (v !== undefined && typeof v !== 'string') throw badRequest(`${name}: expected a string`);
    return v;
  };
  const extra = readExtra(body.extra);
  const timeZoneValue = extra.timeZone;
  if (timeZoneValue !== undefined && typeof timeZoneValue !== 'string') throw badRequest('extra.timeZone: expected a string');
  const groupBy = extra.groupBy;
  if (groupBy !== undefined && groupBy !== 'hourly' && groupBy !== 'daily') throw badRequest(`extra.groupBy: '${String(groupBy)}' is not hourly or daily`);
  const breakDown = optString('breakDown') ?? 'agentId';
  if (!(BREAKDOWNS as readonly string[]).includes(breakDown)) throw badRequest(`breakDown: '${breakDown}' is not one of ${BREAKDOWNS.join(', ')}`);
  if (breakDown === 'date' && groupBy === undefined) throw badRequest('breakDown date needs extra.groupBy (hourly or daily)');
  const fields = body.fields ?? ['TC'];
  if (!Array.isArray(fields) || fields.length === 0 || !fields.every((f) => (FIELDS as readonly unknown[]).includes(f))) {
    throw badRequest(`fields: expected a non-empty array of ${FIELDS.join(', ')}`);
  }
  const request: CountRequest = {
    credentials: { ssid: optString('ssid'), userId: optString('userId'), token: optString('token') },
    includeInactive: flag('extra.includeInactive', extra.includeInactive),
    timeZone: timeZoneValue === undefined ? 'UTC' : resolveTimeZone(timeZoneValue),
    ...(groupBy ? { groupBy } : {}),
    breakDown: breakDown as BreakDown,
    disPlay: optString('disPlay') ?? 'date',
    fields: [...new Set(fields as Field[])],
    multi: flag('multi', body.multi),
  };
  readFilters(body.filter, request);
  return request;
}
