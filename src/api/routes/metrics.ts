/** `GET /metrics`: Prometheus text exposition of src/stats/metrics.ts (staff credentials). */
import { Type } from 'typebox';
import { auth, STAFF } from '../auth.js';
import type { ApiApp } from '../deps.js';
import { errorResponses } from '../schemas.js';
import type { EngineMetrics } from '../../stats/metrics.js';

export function metricsRoute(app: ApiApp, metrics: EngineMetrics): void {
  app.get(
    '/metrics',
    {
      // Answers while Redis is down too: the dependency gauges say so.
      config: { ...auth(STAFF), redisFree: true },
      schema: { tags: ['statistics'], summary: 'Prometheus metrics', response: { 200: { content: { 'text/plain': { schema: Type.String() } } }, ...errorResponses } },
    },
    async (_req, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
}
