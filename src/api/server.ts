/**
 * The HTTP layer: REST for agents, queues and calls, the SSE event stream, the OpenAPI
 * document at `/openapi.json` and the status page at `/`. Every route has a schema; every error
 * leaves through `installErrorHandling`.
 */
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { LogController } from 'fastify';
import type { ApiApp, ApiDeps, ApiOptions, SseOptions } from './deps.js';
import { answerFrameworkError, installErrorHandling } from './errors.js';
import { createApiLogger } from './logging.js';
import { agentRoutes } from './routes/agents.js';
import { eventRoutes } from './routes/events.js';
import { queueRoutes } from './routes/queues.js';
import { siteRoutes } from './routes/site.js';
import { handshakeCredential, installAuth, installCors, withEndpointGuards } from './auth.js';
import { configureUpgrades } from './upgrade.js';
import { adminAgentRoutes } from './routes/adminAgents.js';
import { adminQueueRoutes } from './routes/adminQueues.js';
import { callRoutes } from './routes/calls.js';
import { pbxisQueueRoutes } from './routes/pbxisQueue.js';
import { pbxisCallRoutes } from './routes/pbxis-calls.js';
import { liveQueueRoutes, nativeStatsRoute } from './routes/stats.js';
import { metricsRoute } from './routes/metrics.js';
import { createMetrics } from '../stats/metrics.js';
import { ticketRoutes } from './routes/tickets.js';
import { registerOpenApi } from './openapi.js';
import { wallboardRoutes } from './routes/wallboard.js';
import { directoryRoutes } from './routes/directory.js';
import { pbxisStreamRoutes } from './routes/pbxisStreams.js';
import { pbxisPageRoutes } from './routes/pbxisPages.js';
import { createStreamCap } from './streamCap.js';
import { createStreamTransport } from './streamTransport.js';
import { ctiDepsOf, ctiRoutes } from './routes/cti.js';
import { attachCtiWebSocket } from '../cti/wsServer.js';
import { attachCtiSessionWebSocket } from '../compat/ctiSession/wsServer.js';
import { sdkRoutes } from '../web/sdk/route.js';
import { installAvailabilityGuard, readinessRoute } from './availability.js';
import { installRequestLog } from './requestLog.js';
import { dropSilentConnectionsOnClose } from './silentConnections.js';

const SSE_DEFAULTS: SseOptions = { heartbeatMs: 15_000, retryMs: 2_000, maxBufferedBytes: 1 << 20 };

export async function buildApi(rawDeps: ApiDeps, options: ApiOptions = {}): Promise<ApiApp> {
  const deps = withEndpointGuards(rawDeps);
  const { limits } = deps.auth.settings;
  const app = Fastify({
    loggerInstance: createApiLogger(deps.logger),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyLimitBytes,
    frameworkErrors: answerFrameworkError,
  }).withTypeProvider<TypeBoxTypeProvider>();
  installRequestLog(app);
  dropSilentConnectionsOnClose(app);
  // TypeBox's own checker: converts query/params/header strings to the schema's types, leaves
  // JSON bodies as sent (a number where a string is due is an error, not a coercion).
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  allowEmptyJsonBody(app);
  installErrorHandling(app);
  installCors(app, deps.auth.settings.corsOrigins);
  if (deps.health) installAvailabilityGuard(app, deps.health);
  installAuth(app, deps);
  const cap = createStreamCap(deps.auth.settings.maxStreamsPerCredential);
  configureUpgrades(app, { maxPayload: limits.wsMaxPayloadBytes, cap, credentialOf: (req) => handshakeCredential(deps.auth.settings, req) });
  const streams = createStreamTransport(deps.events, cap, { ...SSE_DEFAULTS, ...options.sse });
  // Open SSE streams are ended (ticket streams with a `close` event) or close() would wait for them.
  app.addHook('preClose', async () => {
    for (const stream of streams.open) stream.end();
  });

  await registerOpenApi(app);

  await siteRoutes(app);
  await sdkRoutes(app);
  if (deps.health) readinessRoute(app, deps.health);
  await app.register(
    async (api) => {
      const typed = api.withTypeProvider<TypeBoxTypeProvider>();
      agentRoutes(typed, deps);
      queueRoutes(typed, deps);
      eventRoutes(typed, deps, streams);
      adminQueueRoutes(typed, deps);
      adminAgentRoutes(typed, deps);
      callRoutes(typed, deps);
      nativeStatsRoute(typed, deps);
      wallboardRoutes(typed, deps);
      directoryRoutes(typed, deps);
      if (deps.control) ctiRoutes(typed, { ...deps, control: deps.control });
    },
    { prefix: '/api' },
  );
  // PBXIS web-service compatible paths and Prometheus live at the root.
  pbxisQueueRoutes(app, deps);
  if (deps.control) pbxisCallRoutes(app, { ...deps, control: deps.control });
  ticketRoutes(app, deps, streams);
  const metrics = deps.metrics ?? createMetrics();
  const detachMetrics = metrics.attach({ store: deps.store, subscribe: (on) => deps.events.subscribe(undefined, (e) => on(e.event)), health: deps.health, openStreams: () => streams.cap.total(), unrecordedTalks: deps.unrecordedTalks });
  app.addHook('onClose', async () => detachMetrics());
  metricsRoute(app, metrics);
  pbxisStreamRoutes(app, deps, streams, { requestStop: options.requestStop });
  await pbxisPageRoutes(app);
  await liveQueueRoutes(app, deps, options.liveQueuePrefix);
  if (deps.control) attachCtiWebSocket(app, ctiDepsOf({ ...deps, control: deps.control }), deps.events, deps.logger);
  // The CTI agent-session protocol (docs/compat-cti-session.md).
  if (deps.control) attachCtiSessionWebSocket(app, { ...ctiDepsOf({ ...deps, control: deps.control }), leaveQueue: (q, a) => deps.admin.removeMember(q, a) }, deps.events, deps.logger);
  return app;
}

/** Parameters may all be in the query string, so `content-type: application/json` with no body is fine. */
function allowEmptyJsonBody(app: ApiApp): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    if (text === '') done(null, undefined);
    else parseJson(req, text, done);
  });
}
