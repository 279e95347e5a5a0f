/**
 * The one place an error becomes an HTTP answer: `{"status":"error","code","message"}` with the
 * status the code stands for. AcdErrors carry both; Fastify's own request errors (validation,
 * malformed JSON, wrong content type, too large) keep Fastify's status under the code
 * `validation`; anything else is a bug: 500 `internal`, logged, with a generic message.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AcdError, type ErrorCode, isAcdError } from '../domain/errors.js';
import { redactUrl } from './logging.js';
import { isPbxError } from '../pbx/port.js';

export interface ErrorBody {
  status: 'error';
  code: ErrorCode;
  message: string;
}

interface FastifyRequestError {
  code: string;
  statusCode: number;
  message: string;
}

function isFastifyRequestError(err: unknown): err is FastifyRequestError {
  if (typeof err !== 'object' || err === null) return false;
  const { code, statusCode } = err as Partial<FastifyRequestError>;
  return typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}

/** Messages may quote what the client sent: never more than this much of it goes back or into logs. */
export const MAX_ERROR_MESSAGE = 300;
const bounded = (message: string) => (message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE - 1)}…` : message);

export function toErrorResponse(err: unknown): { statusCode: number; body: ErrorBody } {
  if (isAcdError(err)) return { statusCode: err.status, body: { status: 'error', code: err.code, message: bounded(err.message) } };
  if (isFastifyRequestError(err)) {
    const code: ErrorCode = err.statusCode === 404 ? 'not_found' : 'validation';
    return { statusCode: err.statusCode, body: { status: 'error', code, message: bounded(err.message) } };
  }
  // A PBX failure is the PBX's, not ours: 503 while ARI is unreachable, 502 for an error answer.
  if (isPbxError(err)) {
    const code: ErrorCode = err.kind === 'unavailable' ? 'pbx_unavailable' : 'pbx_error';
    return { statusCode: code === 'pbx_unavailable' ? 503 : 502, body: { status: 'error', code, message: bounded(`${err.operation}: ${err.message}`) } };
  }
  return { statusCode: 500, body: { status: 'error', code: 'internal', message: 'internal error' } };
}

/**
 * Fastify's `frameworkErrors` option: errors found before routing (a path parameter above
 * maxParamLength → 414, bad percent-encoding → 400) leave in our shape too.
 */
export function answerFrameworkError(err: unknown, _req: FastifyRequest, reply: FastifyReply): void {
  const { statusCode, body } = toErrorResponse(err);
  void reply.code(statusCode).send(body);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => {
    const { statusCode, body } = toErrorResponse(err);
    if (statusCode >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: body.code, reason: body.message }, 'request rejected');
    return reply.status(statusCode).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const { statusCode, body } = toErrorResponse(new AcdError('not_found', `no route for ${req.method} ${redactUrl(req.url.split('?')[0]!)}`));
    return reply.status(statusCode).send(body);
  });
}
