/**
 * Live Queue API errors: `{"status": "error", "message", "code"}` with its own numeric codes
 * (1501 same request still being computed, 1502 invalid filter value) and, for everything
 * else, the HTTP status as the code (400 bad request, 401 no or unknown credentials, ...).
 */
import { ErrorCodes, isAcdError } from '../../domain/errors.js';

export class LiveQueueError extends Error {
  constructor(
    readonly code: 1501 | 1502 | 400,
    message: string,
    readonly httpStatus: number = code === 1501 ? 409 : 400,
  ) {
    super(message);
    this.name = 'LiveQueueError';
  }
}

export const invalidFilter = (message: string) => new LiveQueueError(1502, message);
export const badRequest = (message: string) => new LiveQueueError(400, message);

export interface LiveQueueErrorBody {
  status: 'error';
  message: string;
  code: number;
}

export function liveQueueErrorOf(err: unknown): { httpStatus: number; body: LiveQueueErrorBody } {
  if (err instanceof LiveQueueError) return { httpStatus: err.httpStatus, body: { status: 'error', message: err.message, code: err.code } };
  if (isAcdError(err)) return { httpStatus: err.status, body: { status: 'error', message: err.message, code: ErrorCodes[err.code] } };
  const status = (err as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return { httpStatus: status, body: { status: 'error', message: (err as Error).message, code: status } };
  return { httpStatus: 500, body: { status: 'error', message: 'internal error', code: 500 } };
}
