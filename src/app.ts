/**
 * The composition root shared by `npm start` (real Asterisk) and `npm run demo` (simulator):
 * Redis connection, store, configured queues/agents, the ARI adapter, the engine and the HTTP API.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createEngine, type Engine } from './acd/engine.js';
import { createLease } from './acd/lease.js';
import type { EngineSettings } from './acd/context.js';
import { createEventHub } from './api/eventHub.js';
import { buildApi } from './api/server.js';
import { createApiServices } from './api/services.js';
import { createAdminOps } from './store/adminOps.js';
import type { AcdConfig } from './config.js';
import { createAriPbx } from './pbx/ari/index.js';
import { tenantPrefix } from './store/keys.js';
import { createRedisStore, type RedisStore } from './store/redisStore.js';
import { deleteOtherLibraries } from './store/scripts.js';
import { createHealth, type Health } from './infra/health.js';
import { watchRedis } from './infra/redisWatch.js';
import { createMetrics, type EngineMetrics } from './stats/metrics.js';
import { createQueueLogExporter, type QueueLogSink } from './queueLog/exporter.js';
import { createFileSink } from './queueLog/fileSink.js';
import { createPgSink } from './queueLog/pgSink.js';
import type { Pbx } from './pbx/port.js';

export interface RunningAcd {
  engine: Engine;
  store: RedisStore;
  /** Redis, ARI and reconcile state (`/readyz`). */
  health: Health;
  /** The Prometheus registry served at `/metrics`. */
  metrics: EngineMetrics;
  /** Resolves once the configuration is in Redis and ARI connected for the first time. */
  ready: Promise<void>;
  /** Base URL of the HTTP API and pages. */
  httpUrl: string;
  /**
   * Resolves if the engine lost its node's lease (Redis not answering its renewals in time, or
   * another engine took the node): the engine has stopped acting and cannot start again in this
   * process, so the process should end and be started again (it stands by or takes the node back).
   */
  leaseLost: Promise<void>;
  close(): Promise<void>;
}

/** Writes the configured queues and agents into Redis; agents keep their live state. */
export async function applyConfig(store: RedisStore, config: Pick<AcdConfig, 'queues' | 'agents'>): Promise<void> {
  for (const queue of config.queues) await store.upsertQueue(queue);
  for (const agent of config.agents) await store.upsertAgent(agent);
}

export async function startAcd(config: AcdConfig & { redisUrl: string; queueLog?: QueueLogTargets }, logger: Logger, settings?: Partial<EngineSettings>): Promise<RunningAcd> {
  const health = createHealth(logger);
  const metrics = createMetrics({ processMetrics: true });
  // BullMQ workers need maxRetriesPerRequest null; the store's commands are fine with it too (they
  // wait for a reconnection; new HTTP requests are refused with 503 meanwhile).
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const store = metrics.timeRouting(createRedisStore({ redis, tenant: config.tenant, logger: logger.child({ component: 'store' }) }));
  const configured = applyConfigWhenEmpty(redis, store, config, logger);
  // Earlier versions' Lua libraries (one per upgrade) would stay in Redis for good.
  void deleteOtherLibraries(redis).then(
    (names) => names.length > 0 && logger.info({ libraries: names }, 'Redis function libraries of other engine versions deleted'),
    (err: unknown) => logger.warn({ err: errorText(err) }, 'Redis function libraries of other engine versions not deleted'),
  );
  watchRedis(redis, { health, logger, onReady: configured.check });

  // A second engine for the same node stands by until the first is gone (src/acd/lease.ts).
  let engineStarted = false;
  let leaseLost!: () => void;
  const lostLease = new Promise<void>((resolve) => (leaseLost = resolve));
  const lease = createLease({
    redis,
    prefix: tenantPrefix(config.tenant),
    nodeId: config.nodeId,
    logger,
    ttlMs: config.leaseTtlMs,
    onLost: () =>
      void (engineStarted ? engine.stop() : Promise.resolve())
        .catch((err: unknown) => logger.error({ err }, 'engine stop after the lease was lost failed'))
        .finally(leaseLost),
  });

  const pbx = metrics.timePbx(createAriPbx({ ...config.ari, logger: logger.child({ component: 'ari' }) }));
  trackPbx(pbx, health);
  const engine = createEngine({
    pbx,
    store,
    logger,
    nodeId: config.nodeId,
    reasons: config.reasons,
    timers: { connection: redis, prefix: `${tenantPrefix(config.tenant)}bull` },
    settings: {
      ...(config.entryRepairIntervalMs !== undefined ? { entryRepairIntervalMs: config.entryRepairIntervalMs } : {}),
      ...settings,
      ...(config.offerVariables ? { offerVariables: config.offerVariables } : {}),
    },
    park: config.park,
    outbound: config.outbound,
    onRepair: (pending, detail) => {
      if (pbx.connected) health.set('reconcile', !pending, detail);
    },
  });
  trackReconcile(pbx, engine, health);

  const queueLogs = queueLogSinks(config.queueLog, config.tenant, logger).map((sink) => createQueueLogExporter({ store, sink, logger }));
  for (const exporter of queueLogs) await exporter.start();

  const events = createEventHub(store, logger.child({ component: 'events' }));
  void events.start();
  const services = createApiServices({ redis, tenant: config.tenant, store, hub: events, logger, auth: config.auth, stats: config.stats });
  services.projector.start();
  if (config.auth.mode === 'open') logger.warn('no API keys configured: the HTTP API is open to anyone who can reach it (allowed on loopback only); configure auth.apiKeys');
  // The API listens at once, whatever Redis and ARI do: /healthz, /readyz and 503s tell what is missing.
  const api = await buildApi({ store, agents: engine.agents, reasons: config.reasons, logger, events, control: engine.control, calls: engine.calls, health, metrics, unrecordedTalks: engine.unrecordedTalks, ...services, admin: engine.admin(services.admin) }, {
    // PBXIS POST /stop: the same graceful shutdown as a SIGTERM (src/main.ts).
    requestStop: () => process.kill(process.pid, 'SIGTERM'),
    // The Live Queue API's second path (docs/compat-live-queue.md).
    liveQueuePrefix: config.liveQueuePrefix,
  });
  const address = await api.listen({ host: config.http.host, port: config.http.port });
  logger.info({ url: address }, 'HTTP API listening');

  // The configuration is in Redis before ARI connects: reconcile and routing need the queues.
  const started = configured.first
    .then(() => lease.acquire())
    .then(() => engine.start())
    .then(() => {
      engineStarted = true;
    });
  started.catch((err: unknown) => logger.debug({ err: errorText(err) }, 'engine start ended'));

  return {
    engine,
    store,
    health,
    metrics,
    httpUrl: address,
    ready: started,
    leaseLost: lostLease,
    async close() {
      // Each step is bounded: a shutdown must end even while Redis or ARI is unreachable.
      await bounded(api.close(), 'HTTP API', logger);
      await bounded(services.projector.stop(), 'statistics projector', logger);
      await bounded(events.stop(), 'event hub', logger);
      await bounded(engine.stop(), 'engine', logger);
      await bounded(lease.release(), 'node lease', logger);
      for (const exporter of queueLogs) await bounded(exporter.stop(), 'queue_log export', logger);
      await bounded(store.close(), 'store', logger);
      redis.disconnect();
    },
  };
}

/** Where app_queue-format queue_log lines go (src/queueLog): a file, a PostgreSQL database, both. */
export interface QueueLogTargets {
  file?: string;
  /** postgres:// URL: rows in Asterisk's realtime `queue_log` table. */
  databaseUrl?: string;
}

function queueLogSinks(targets: QueueLogTargets | undefined, tenant: string, logger: Logger): QueueLogSink[] {
  const sinks: QueueLogSink[] = [];
  if (targets?.file) sinks.push(createFileSink(targets.file, logger));
  if (targets?.databaseUrl) sinks.push(createPgSink(targets.databaseUrl, tenant));
  return sinks;
}

const CLOSE_STEP_MS = 3_000;

async function bounded(step: Promise<unknown>, what: string, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), CLOSE_STEP_MS)));
  const outcome = await Promise.race([step.then(() => 'done' as const, (err: unknown) => errorText(err)), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') logger.warn({ step: what, waitedMs: CLOSE_STEP_MS }, 'shutdown step did not finish in time; going on');
  else if (outcome !== 'done') logger.warn({ step: what, err: outcome }, 'shutdown step failed; going on');
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Writes the configuration at the first connection, and again whenever Redis comes back without
 * it (a restart without persistence): a marker key says whether this Redis has it.
 */
function applyConfigWhenEmpty(redis: Redis, store: RedisStore, config: AcdConfig, logger: Logger): { first: Promise<void>; check: () => Promise<void> } {
  const marker = `${tenantPrefix(config.tenant)}configApplied`;
  let applied!: () => void;
  const first = new Promise<void>((resolve) => (applied = resolve));
  let running: Promise<void> | undefined;
  const check = async () => {
    if (await redis.exists(marker)) return applied();
    await applyConfig(store, config);
    // The definitions just written make paused members members again: pause them again.
    await createAdminOps(redis, config.tenant).restorePauses();
    await redis.set(marker, String(Date.now()));
    logger.info({ queues: config.queues.length, agents: config.agents.length }, 'configuration written to Redis');
    applied();
  };
  return {
    first,
    check: () => (running ??= check().finally(() => (running = undefined))),
  };
}

function trackPbx(pbx: Pbx, health: Health): void {
  pbx.onEvent((e) => {
    if (e.type === 'connected') health.set('ari', true, 'connected');
    else if (e.type === 'disconnected') health.set('ari', false, e.reason);
    else if (e.type === 'appReplaced') health.set('ari', false, 'application replaced by another WebSocket');
  });
}

/** Reconcile runs after each ARI connection (the engine's event router starts it); ready once it is done. */
function trackReconcile(pbx: Pbx, engine: Engine, health: Health): void {
  pbx.onEvent((e) => {
    if (e.type === 'disconnected') health.set('reconcile', false, 'waiting for the ARI connection');
    if (e.type !== 'connected') return;
    health.set('reconcile', false, 'running');
    // After the engine's own listener has queued the reconcile of this connection.
    setImmediate(() => {
      void engine.idle().then(() => {
        // A reconcile that failed is tried again: `onRepair` (startAcd) says when it is done.
        if (pbx.connected && !engine.repairPending) health.set('reconcile', true, 'done');
      });
    });
  });
}
