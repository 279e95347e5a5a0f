/**
 * The HTTP layer's logger: a child of the engine's pino logger that never writes credentials,
 * whether they come as headers or in the query string (EventSource cannot set headers, so
 * browsers pass tokens as `?token=`).
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

const SECRET_QUERY_PARAMS = ['token', 'apiKey', 'ssid'];
const SECRET_NAMES = new Set(SECRET_QUERY_PARAMS.map((p) => p.toLowerCase()));
const CENSOR = '[redacted]';

/** A query parameter name as a server would read it (percent-decoded, any case). */
function plainName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** Every credential-named parameter's value censored, whatever the spelling of its name (`%74oken`, `TOKEN`). */
function redactQuery(query: string): string {
  return query
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      return SECRET_NAMES.has(plainName(name)) ? `${name}=${CENSOR}` : part;
    })
    .join('&');
}

/** Stream tickets travel in the path (`/<ticket>/sse`, `/api/tickets/<ticket>/sse`). */
const TICKET_PATH = /^(\/api\/tickets)?\/[A-Za-z0-9_-]{32}(?=\/(?:sse|long-poll|websocket)\b)/;

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(TICKET_PATH, `$1/${CENSOR}`);
  if (q < 0) return path;
  const [query = '', fragment] = url.slice(q + 1).split(/#(.*)/s);
  return `${path}?${redactQuery(query)}${fragment === undefined ? '' : `#${fragment}`}`;
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
