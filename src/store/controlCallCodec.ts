/**
 * Control-call records (`cc:<id>`, a Redis hash of strings) ⇄ the typed ControlCall of
 * src/domain/controlCall.ts. Decoding checks every field the record's kind needs once, here, so
 * the call-control modules read typed values; a record that does not fit its kind is refused
 * (AcdError internal naming the field) rather than half-read.
 * Stored values: booleans '1' / '' (absent = false), numbers as decimal text, channel variables as
 * JSON, a consult's target as `agent:<id>` / `queue:<id>` / `extension:<number>` (the Lua reads
 * `queueCall`, `slot`, `parkedBy`... directly, so the layout is kept as older versions wrote it).
 */
import {
  CONTROL_CALL_KINDS,
  CONTROL_CALL_STATES,
  MONITOR_MODES,
  type ConsultTarget,
  type ControlCall,
  type ControlCallKind,
  type ControlCallPatch,
  type NewControlCall,
} from '../domain/controlCall.js';
import { AcdError } from '../domain/errors.js';
import type { Hash } from './parse.js';

const malformed = (hash: Hash, field: string, why: string) =>
  new AcdError('internal', `control call record '${hash.id ?? '?'}' is malformed: ${field} ${why}`, { field, id: hash.id });

/** Reads the fields of one record, each checked once. */
function reader(hash: Hash) {
  const str = (field: string, optional = false): string => {
    const value = hash[field];
    if (value === undefined && !optional) throw malformed(hash, field, 'is missing');
    return value ?? '';
  };
  const num = (field: string): number => {
    const value = Number(str(field));
    if (!Number.isFinite(value)) throw malformed(hash, field, `'${hash[field]}' is not a number`);
    return value;
  };
  const flag = (field: string): boolean => hash[field] === '1';
  const oneOf = <T extends string>(field: string, allowed: readonly T[]): T => {
    const value = str(field);
    if (!(allowed as readonly string[]).includes(value)) throw malformed(hash, field, `'${value}' is not one of ${allowed.join(', ')}`);
    return value as T;
  };
  return { str, num, flag, oneOf };
}

export function consultTargetText(target: ConsultTarget): string {
  return 'agentId' in target ? `agent:${target.agentId}` : 'queue' in target ? `queue:${target.queue}` : `extension:${target.extension}`;
}

export function consultTargetFromText(text: string): ConsultTarget | undefined {
  const match = /^(agent|queue|extension):(.+)$/.exec(text);
  if (!match) return undefined;
  const [, kind, value] = match as unknown as [string, 'agent' | 'queue' | 'extension', string];
  return kind === 'agent' ? { agentId: value } : kind === 'queue' ? { queue: value } : { extension: value };
}

function variablesOf(hash: Hash): Record<string, string> {
  const text = hash.variables ?? '{}';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed(hash, 'variables', 'is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw malformed(hash, 'variables', 'is not an object of strings');
  }
  return value as Record<string, string>;
}

/** A stored record (HGETALL) as its typed variant; AcdError internal when it does not fit. */
export function decodeControlCall(hash: Hash): ControlCall {
  const { str, num, flag, oneOf } = reader(hash);
  const kind = oneOf('kind', CONTROL_CALL_KINDS);
  const state = <K extends ControlCallKind>(k: K) => oneOf('state', CONTROL_CALL_STATES[k]);
  const base = { id: str('id'), agentId: str('agentId'), startedAt: num('startedAt'), previous: str('previous', true), node: str('node') };
  switch (kind) {
    case 'outbound':
      return {
        ...base,
        kind,
        state: state(kind),
        agentLeg: str('agentLeg'),
        destLeg: str('destLeg'),
        bridgeId: str('bridgeId'),
        destination: str('destination'),
        callerId: str('callerId', true),
        variables: variablesOf(hash),
        answeredAt: hash.answeredAt ? num('answeredAt') : 0,
        held: flag('held'),
        muted: flag('muted'),
      };
    case 'consult': {
      const target = consultTargetFromText(str('target'));
      if (!target) throw malformed(hash, 'target', `'${hash.target}' is not agent:, queue: or extension:<id>`);
      return { ...base, kind, state: state(kind), callId: str('callId'), from: str('from'), leg: str('leg'), bridgeId: str('bridgeId'), target, queueCall: str('queueCall', true) };
    }
    case 'supervisor':
      return {
        ...base,
        kind,
        state: state(kind),
        supervisor: str('supervisor'),
        agent: str('agent'),
        callId: str('callId'),
        agentChannel: str('agentChannel'),
        supervisorChannel: str('supervisorChannel'),
        monitorBridge: str('monitorBridge'),
        snoopChannel: str('snoopChannel', true),
        mode: oneOf('mode', MONITOR_MODES),
        connected: flag('connected'),
      };
    case 'redirect':
      return {
        ...base,
        kind,
        state: state(kind),
        callerChannel: str('callerChannel'),
        destLeg: str('destLeg'),
        destination: str('destination'),
        bridgeId: str('bridgeId'),
        queue: str('queue'),
        priority: num('priority'),
        callerNumber: str('callerNumber', true),
        callerName: str('callerName', true),
      };
    case 'park':
      return {
        ...base,
        kind,
        state: state(kind),
        callerChannel: str('callerChannel'),
        agentLeg: str('agentLeg'),
        bridgeId: str('bridgeId'),
        slot: num('slot'),
        parkedBy: str('parkedBy'),
        queue: str('queue'),
        priority: num('priority'),
        joinedAt: num('joinedAt'),
        callerNumber: str('callerNumber', true),
        callerName: str('callerName', true),
      };
  }
}

/** Typed values as stored (booleans '1' / '', numbers as text, JSON, target text). */
function encodeFields(fields: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (field === 'target') out[field] = consultTargetText(value as ConsultTarget);
    else if (field === 'variables') out[field] = JSON.stringify(value);
    else if (typeof value === 'boolean') out[field] = value ? '1' : '';
    else out[field] = String(value);
  }
  return out;
}

/** The fields controlCallStart-4.lua writes for a new call (id and agentId are its own arguments). */
export function encodeNewControlCall(call: NewControlCall): Record<string, string> {
  const { id: _id, agentId: _agentId, ...fields } = call;
  return encodeFields(fields);
}

export const encodeControlCallPatch = (patch: ControlCallPatch): Record<string, string> => encodeFields(patch);
