/**
 * Request logs at debug: at info a busy contact center's console would be all requests. Same
 * lines as Fastify's own ('incoming request', 'request completed'), redacted by src/api/logging.ts.
 */
import type { ApiApp } from './deps.js';

/** Use with Fastify's own request logging off (`logController: new LogController({ disableRequestLogging: true })`). */
export function installRequestLog(app: ApiApp): void {
  app.addHook('onRequest', async (req) => {
    req.log.debug({ req }, 'incoming request');
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed');
  });
}
