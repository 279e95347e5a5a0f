/**
 * Degraded mode of the HTTP API: it stays up whatever Redis and ARI do. While Redis is down,
 * every route that needs it answers 503 `redis_unavailable` at once instead of waiting for a
 * reconnection; PBX failures become 503 `pbx_unavailable` / 502 `pbx_error` in src/api/errors.ts.
 * `/readyz` tells a load balancer or an operator what is missing.
 */
import { Type } from 'typebox';
import { AcdError } from '../domain/errors.js';
import type { Health } from '../infra/health.js';
import { PUBLIC } from './auth.js';
import type { ApiApp } from './deps.js';
import { toErrorResponse } from './errors.js';

/** Routes that answer without Redis; a route can opt out too with `config: { redisFree: true }`. */
const REDIS_FREE = new Set(['/healthz', '/readyz', '/openapi.json', '/']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers without Redis: not refused while Redis is down. */
    redisFree?: boolean;
  }
}

export function installAvailabilityGuard(app: ApiApp, health: Health): void {
  app.addHook('onRequest', async (req, reply) => {
    if (health.isUp('redis')) return;
    const route = req.routeOptions;
    // Unknown routes go on to the 404 handler.
    if (route.url === undefined || REDIS_FREE.has(route.url) || route.config.redisFree) return;
    const { statusCode, body } = toErrorResponse(new AcdError('redis_unavailable', `Redis is unreachable (${health.readiness().checks.redis.detail}); retry later`));
    return reply.status(statusCode).header('retry-after', '1').send(body);
  });
}

const Check = Type.Object({ up: Type.Boolean(), detail: Type.String(), since: Type.Number({ description: 'epoch ms of the last change' }) });

export function readinessRoute(app: ApiApp, health: Health): void {
  app.get(
    '/readyz',
    {
      config: PUBLIC,
      schema: {
        tags: ['meta'],
        summary: 'Readiness: Redis reachable, ARI connected, reconcile done (503 until all are)',
        response: {
          200: Type.Object({ status: Type.Literal('ready'), checks: Type.Record(Type.String(), Check) }),
          503: Type.Object({ status: Type.Literal('not_ready'), checks: Type.Record(Type.String(), Check) }),
        },
      },
    },
    async (_req, reply) => {
      const { ready, checks } = health.readiness();
      if (ready) return { status: 'ready' as const, checks };
      reply.status(503);
      return { status: 'not_ready' as const, checks };
    },
  );
}
