/**
 * The CTI command channel's wire format, shared by the WebSocket and REST:
 *   request   {"command": "hold", "target": "<session>[.<callId>]", "data": {...}}
 *   response  {"command", "target", "result": "success", "data": ...}
 *             {"command", "target", "result": "failure", "data": {"code", "message"}, "request": <the request>}
 *   event     {"event": "agent.state", "target": "<session>", "data": {...}}
 */
import { isAcdError } from '../domain/errors.js';

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
