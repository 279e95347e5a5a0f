/**
 * Typed errors with stable codes. The HTTP layer maps `status` and `code` straight to
 * `{"status":"error","code":...,"message":...}`; nothing else decides a status code.
 */
export const ErrorCodes = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  agent_not_found: 404,
  queue_not_found: 404,
  call_not_found: 404,
  invalid_state: 409,
  conflict: 409,
  too_many_requests: 429,
  pbx_error: 502,
  pbx_unavailable: 503,
  redis_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class AcdError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AcdError';
    this.status = ErrorCodes[code];
  }
}

export const isAcdError = (e: unknown): e is AcdError => e instanceof AcdError;
