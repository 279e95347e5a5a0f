/**
 * The composition root shared by `npm start` (real Asterisk) and `npm run demo` (simulator):
 * Redis connection, store, configured queues/agents, the ARI adapter, the engine and the HTTP API.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createEngine, type Engine } from './acd/engine.js';
import type { EngineSettings } from './acd/context.js';
import { createEventHub } from './api/eventHub.js';
import { buildApi } from './api/server.js';
import { createApiServices } from './api/services.js';
import { createAdminOps } from './store/adminOps.js';
import type { AcdConfig } from './config.js';
import { createAriPbx } from './pbx/ari/index.js';
import { tenantPrefix } from './store/keys.js';
import { createRedisStore, type RedisStore } from './store/redisStore.js';

export interface RunningAcd {
  engine: Engine;
  store: RedisStore;
  /** Base URL of the HTTP API and pages. */
  httpUrl: string;
  close(): Promise<void>;
}

/** Writes the configured queues and agents into Redis; agents keep their live state. */
export async function applyConfig(store: RedisStore, config: Pick<AcdConfig, 'queues' | 'agents'>): Promise<void> {
  for (const queue of config.queues) await store.upsertQueue(queue);
  for (const agent of config.agents) await store.upsertAgent(agent);
}

export async function startAcd(config: AcdConfig & { redisUrl: string }, logger: Logger, settings?: Partial<EngineSettings>): Promise<RunningAcd> {
  // BullMQ workers need maxRetriesPerRequest null; the store's commands are fine with it too.
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const store = createRedisStore({ redis, tenant: config.tenant, logger: logger.child({ component: 'store' }) });
  await applyConfig(store, config);
  // The definitions just written make paused members members again: pause them again.
  await createAdminOps(redis, config.tenant).restorePauses();

  const pbx = createAriPbx({ ...config.ari, logger: logger.child({ component: 'ari' }) });
  const engine = createEngine({
    pbx,
    store,
    logger,
    nodeId: config.nodeId,
    reasons: config.reasons,
    timers: { connection: redis, prefix: `${tenantPrefix(config.tenant)}bull` },
    settings: { ...settings, ...(config.offerVariables ? { offerVariables: config.offerVariables } : {}) },
    park: config.park,
    outbound: config.outbound,
  });
  await engine.start();

  const events = createEventHub(store, logger.child({ component: 'events' }));
  events.start();
  const services = createApiServices({ redis, tenant: config.tenant, store, hub: events, logger, auth: config.auth, stats: config.stats });
  services.projector.start();
  if (config.auth.mode === 'open') logger.warn('no API keys configured: the HTTP API is open to anyone who can reach it (allowed on loopback only); configure auth.apiKeys');
  const api = await buildApi({ store, agents: engine.agents, reasons: config.reasons, logger, events, control: engine.control, calls: engine.calls, ...services }, {
    // PBXIS POST /stop: the same graceful shutdown as a SIGTERM (src/main.ts).
    requestStop: () => process.kill(process.pid, 'SIGTERM'),
    // The Live Queue API's second path (docs/compat-live-queue.md).
    liveQueuePrefix: process.env.LIVE_QUEUE_PREFIX,
  });
  const address = await api.listen({ host: config.http.host, port: config.http.port });
  logger.info({ url: address }, 'HTTP API listening');

  return {
    engine,
    store,
    httpUrl: address,
    async close() {
      await api.close();
      await services.projector.stop();
      await events.stop();
      await engine.stop();
      await store.close();
      redis.disconnect();
    },
  };
}
