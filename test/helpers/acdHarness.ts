/**
 * A whole ACD for integration tests: the real simulator over HTTP/WebSocket, the real ari-client
 * adapter, the real Redis store (fresh tenant) and the engine. Time in the simulator is scaled so
 * realistic ring and talk times run fast.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createEngine, type Engine } from '../../src/acd/engine.js';
import type { ParkSettings } from '../../src/acd/control/index.js';
import type { EngineSettings } from '../../src/acd/context.js';
import type { TimerRetry } from '../../src/acd/timers.js';
import type { AcdStore } from '../../src/store/types.js';
import { applyConfig } from '../../src/app.js';
import { resolveConfigFile, type ConfigFile } from '../../src/config.js';
import type { CallSnapshot, CallState } from '../../src/domain/call.js';
import type { AcdEvent } from '../../src/domain/events.js';
import { createAriPbx } from '../../src/pbx/ari/index.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { tenantPrefix } from '../../src/store/keys.js';
import { createRedisStore, type RedisStore } from '../../src/store/redisStore.js';
import { findViolations } from './invariants.js';
import { connectTestRedis, freshPrefix } from './redis.js';
import { recentLogLines, testLogger } from './recentLogs.js';

export interface EngineHandle {
  engine: Engine;
  nodeId: string;
  stop(): Promise<void>;
}

export interface Harness {
  sim: Simulator;
  store: RedisStore;
  redis: Redis;
  tenant: string;
  logger: Logger;
  engine: Engine;
  /** Starts another engine instance on the same tenant (restart tests). */
  startEngine(nodeId?: string): Promise<EngineHandle>;
  /** All events appended to the stream so far, oldest first. */
  events(): Promise<AcdEvent[]>;
  waitForEvent(match: (e: AcdEvent) => boolean, timeoutMs?: number): Promise<AcdEvent>;
  /** The call once it is in `state`. */
  waitForCall(callId: string, state: CallState, timeoutMs?: number): Promise<CallSnapshot>;
  /** Logs `agentId` in ready with a phone that answers, places a caller into `queue`, and returns the call once caller and agent are bridged. */
  connectedCall(agentId?: string, queue?: string, callerNumber?: string): Promise<CallSnapshot>;
  /**
   * Ids of the timer jobs that ran to completion (the shared timer queue, then each node's):
   * a test waits for the timer that could have acted, then checks what it did (or did not do).
   */
  completedTimers(): Promise<string[]>;
  /**
   * Returns once the first engine has handled every PBX event the simulator sent before: a
   * throwaway caller for an unknown queue follows them on the same event stream, and once the
   * engine sent it back to the dialplan the events before it were dispatched; then settled().
   */
  eventsHandled(): Promise<void>;
  /** Drops the engine's ARI connections and returns once the first engine reconnected, reconciled and settled. */
  reconnect(): Promise<void>;
  close(): Promise<void>;
}

/** Polls until `probe` gives a value. The default limit is generous: it only bounds a failure, and a loaded machine (more workers than cores) is slow. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${recentLogLines()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The engine's ARI connections to `sim` so far: each one sets the app's event filter once. */
export const ariConnects = (sim: Simulator, app = 'acd') => sim.requests.filter((r) => r.method === 'PUT' && r.path === `/applications/${app}/eventFilter`).length;

export async function startHarness(file: ConfigFile, opts: {
    timeScale?: number;
    retryDelayMs?: number;
    causeGraceMs?: number;
    park?: Partial<ParkSettings>;
    /** Timer retries (default: the engine's). */
    timerRetry?: TimerRetry;
    /** The store the engines use (default: the harness store), e.g. with a fault injected. */
    engineStore?: (store: RedisStore) => AcdStore;
    /** The engine's ARI request timeout (default the adapter's). */
    requestTimeoutMs?: number;
    settings?: Partial<EngineSettings>;
  } = {}): Promise<Harness> {
  const logger = testLogger();
  const sim = await startSimulator({ port: 0, username: 'asterisk', password: 'asterisk', timeScale: opts.timeScale ?? 0.1 });
  const redis = connectTestRedis({ maxRetriesPerRequest: null });
  const tenant = freshPrefix();
  const store = createRedisStore({ redis, tenant });
  const config = resolveConfigFile(file);
  await applyConfig(store, config);

  const handles: EngineHandle[] = [];
  const startEngine = async (nodeId = 'node-a'): Promise<EngineHandle> => {
    const engineLogger = logger.child({ nodeId });
    const pbx = createAriPbx({ url: sim.url, username: 'asterisk', password: 'asterisk', app: 'acd', logger: engineLogger, reconnect: { minDelayMs: 20, maxDelayMs: 200 }, requestTimeoutMs: opts.requestTimeoutMs });
    const engine = createEngine({
      pbx,
      store: opts.engineStore?.(store) ?? store,
      logger: engineLogger,
      nodeId,
      reasons: config.reasons,
      timers: { connection: redis, prefix: `${tenantPrefix(tenant)}bull`, retry: opts.timerRetry },
      settings: { retryDelayMs: opts.retryDelayMs ?? 300, causeGraceMs: opts.causeGraceMs ?? 100, ...(config.offerVariables ? { offerVariables: config.offerVariables } : {}), ...opts.settings },
      park: opts.park,
      // As app.ts: the config file's outbound section.
      outbound: config.outbound,
    });
    await engine.start();
    const handle = { engine, nodeId, stop: () => engine.stop() };
    handles.push(handle);
    return handle;
  };
  const first = await startEngine();

  const events = async () => (await store.readEvents('0', { count: 100_000 })).map((e) => e.event);
  const waitForCall = (callId: string, state: CallState, timeoutMs?: number) =>
    waitFor(async () => {
      const call = await store.getCall(callId);
      return call?.state === state ? call : undefined;
    }, `call ${callId} ${state}`, timeoutMs);
  // BullMQ's event stream of each timer queue (src/acd/timers.ts: one shared, one per node).
  const timerStreams = () => ['timers', ...handles.map((x) => `timers-node-${x.nodeId.replace(/:/g, '_')}`)].map((q) => `${tenantPrefix(tenant)}bull:${q}:events`);
  let barriers = 0;
  return {
    sim,
    store,
    redis,
    tenant,
    logger,
    engine: first.engine,
    startEngine,
    events,
    waitForEvent: (match, timeoutMs) => waitFor(async () => (await events()).find(match), 'event', timeoutMs),
    waitForCall,
    async connectedCall(agentId = 'a1', queue = 'sales', callerNumber = '5550001') {
      sim.setEndpoint(`PJSIP/${agentId}`, { kind: 'answer', ringMs: 100 });
      await first.engine.agents.login(agentId, { by: 'test', ready: true });
      const caller = sim.placeCall({ queue, callerNumber });
      const call = await waitForCall(caller, 'connected');
      // The store says connected before the bridge is made: wait for the media path too.
      await waitFor(() => sim.bridges().find((b) => b.id === call.bridgeId && b.channelIds.length === 2), 'bridged');
      await first.engine.idle();
      return call;
    },
    async completedTimers() {
      const entries = await Promise.all(timerStreams().map((key) => redis.xrange(key, '-', '+')));
      return entries
        .flat()
        .flatMap(([, fields]) => (fields[fields.indexOf('event') + 1] === 'completed' ? [fields[fields.indexOf('jobId') + 1]!] : []));
    },
    async eventsHandled() {
      const caller = sim.placeCall({ queue: 'no-such-queue', id: `barrier-${++barriers}` });
      await waitFor(() => sim.requests.some((r) => r.method === 'POST' && r.path === `/channels/${caller}/continue`), 'the barrier caller sent back');
      await first.engine.settled();
    },
    async reconnect() {
      const from = sim.requests.length;
      sim.dropConnections();
      // Reconcile lists the bridges after a (re)connect; settled() then waits for the reconcile in flight.
      await waitFor(() => sim.requests.slice(from).some((r) => r.method === 'GET' && r.path === '/bridges'), 'the reconcile after the reconnect');
      await first.engine.settled();
    },
    async close() {
      for (const h of handles) await h.stop().catch(() => undefined);
      await sim.close();
      await store.close();
      redis.disconnect();
    },
  };
}

/** After a test: lets the engine settle, closes the harness, and fails when a store invariant is broken. */
export async function closeHealthy(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.engine.idle();
  const problems = await findViolations(h.redis, h.store.keys);
  await h.close();
  if (problems.length > 0) throw new Error(`store invariants broken:\n${problems.join('\n')}`);
}
