/**
 * The CTI command channel's wire format, shared by the WebSocket and REST:
 *   request   {"command": "hold", "target": "<session>[.<callId>]", "data": {...}}
 *   response  {"command", "target", "result": "success", "data": ...}
 *             {"command", "target", "result": "failure", "data": {"code", "message"}, "request": <the request>}
 *   event     {"event": "agent.state", "target": "<session>", "data": {...}}
 */
import { AcdError, isAcdError } from '../domain/errors.js';

export interface CtiRequest {
  command: string;
  target: string;
  data: Record<string, unknown>;
}

export type CtiFailureCode = 'invalidState' | 'invalidParameter' | 'notFound' | 'forbidden' | 'generalError';

export interface CtiFailure {
  code: CtiFailureCode;
  message: string;
}

export interface CtiEvent {
  event: string;
  target: string;
  data: Record<string, unknown>;
}

/** `a1` or `a1.<callId>`: the session (agent or supervisor id) and the call it is about. */
export function parseTarget(target: string): { session: string; callId?: string } {
  const dot = target.indexOf('.');
  return dot < 0 ? { session: target } : { session: target.slice(0, dot), callId: target.slice(dot + 1) || undefined };
}

export function toFailure(err: unknown): CtiFailure {
  if (!isAcdError(err)) return { code: 'generalError', message: 'internal error' };
  const code: CtiFailureCode =
    err.code === 'invalid_state'
      ? 'invalidState'
      : err.code === 'validation'
        ? 'invalidParameter'
        : err.code.endsWith('not_found')
          ? 'notFound'
          : err.code === 'forbidden' || err.code === 'unauthorized'
            ? 'forbidden'
            : 'generalError';
  return { code, message: err.message };
}

/** A request as sent (also the CTI agent-session protocol's, src/compat/ctiSession); AcdError validation when malformed. */
export function parseRequest(raw: string): CtiRequest {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    throw new AcdError('validation', 'message is not JSON');
  }
  const m = msg as Partial<CtiRequest>;
  if (typeof m !== 'object' || m === null || typeof m.command !== 'string' || typeof m.target !== 'string') {
    throw new AcdError('validation', 'a request is {"command": string, "target": string, "data"?: object}');
  }
  if (m.data !== undefined && (typeof m.data !== 'object' || m.data === null || Array.isArray(m.data))) throw new AcdError('validation', 'data must be an object', { field: 'data' });
  return { command: m.command, target: m.target, data: m.data ?? {} };
}
