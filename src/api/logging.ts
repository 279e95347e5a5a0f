/**
 * The HTTP layer's logger: a child of the engine's pino logger that never writes credentials,
 * whether they come as headers or in the query string (EventSource cannot set headers, so
 * browsers pass tokens as `?token=`).
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

const SECRET_QUERY_PARAMS = ['token', 'apiKey', 'ssid'];
const SECRET_QUERY = new RegExp(`([?&](?:${SECRET_QUERY_PARAMS.join('|')})=)[^&#]*`, 'g');
const CENSOR = '[redacted]';

/** Stream tickets travel in the path (`/<ticket>/sse`, `/api/tickets/<ticket>/sse`). */
const TICKET_PATH = /^(\/api\/tickets)?\/[A-Za-z0-9_-]{32}(?=\/(?:sse|long-poll|websocket)\b)/;

export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY, `$1${CENSOR}`).replace(TICKET_PATH, `$1/${CENSOR}`);
}

function serializeRequest(req: FastifyRequest): Record<string, unknown> {
  return { method: req.method, url: redactUrl(req.url), headers: req.headers, remoteAddress: req.ip };
}

export function createApiLogger(logger: Logger): FastifyBaseLogger {
  return logger.child(
    { component: 'api' },
    {
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', ...SECRET_QUERY_PARAMS.map((p) => `req.query.${p}`), 'req.params.ticket'],
        censor: CENSOR,
      },
      serializers: { req: serializeRequest },
    },
  );
}
