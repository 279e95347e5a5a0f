/**
 * The OpenAPI document, built by @fastify/swagger from the routes' own schemas, and its browsable
 * UI at `/docs` (@fastify/swagger-ui, assets served from the package: no CDN). Every operation gets
 * a stable operationId, the API-key security schemes and the error answers it can give, so
 * generated clients and the UI show the whole contract without each route repeating it.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ErrorBodySchema } from './schemas.js';

/** `POST /api/queues/:id/members` → `postApiQueuesIdMembers`: unique per method and path. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .split(/[/{}:._-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return method.toLowerCase() + words.join('');
}

const ERROR_ANSWERS: Record<string, string> = {
  '400': 'Invalid input: `validation` (the message names the field)',
  '401': 'No or unknown API key: `unauthorized`',
  '403': 'The key may not do this: `forbidden`',
  '404': 'Unknown id: `not_found`',
  '409': 'Not possible in the current state: `conflict` / `invalid_state`',
  '429': 'Too many open streams for this key',
  '503': 'Redis or the PBX is unreachable: try again',
};

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'ACD engine API',
        version: '0.1.0',
        description: 'Agents, queues, calls, CTI, live statistics and the live event stream. Errors are `{"status":"error","code","message"}`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    transform: ({ schema, url, route }) => {
      const method = Array.isArray(route.method) ? route.method[0]! : route.method;
      const given = (schema ?? {}) as Record<string, unknown>;
      const response = { ...((given.response as Record<string, unknown> | undefined) ?? {}) };
      for (const [status, description] of Object.entries(ERROR_ANSWERS)) {
        if (!(status in response)) response[status] = { ...ErrorBodySchema, description };
      }
      return { schema: { ...given, operationId: (given.operationId as string | undefined) ?? operationIdOf(method, url), response }, url };
    },
  });
  // The UI is as public as the document it shows (the API itself still wants keys).
  await app.register(async (ui) => {
    ui.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object), auth: 'public' } as typeof route.config;
    });
    await ui.register(swaggerUi, { routePrefix: '/docs' });
  });
}
