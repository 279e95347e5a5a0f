/**
 * The HTTP layer on the real Redis store (fresh tenant): real agent commands, a real EventHub,
 * two queues and three agents. `listen()` serves over real HTTP for SSE tests.
 */
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, expect } from 'vitest';
import { pino, type Logger } from 'pino';
import { createAdminCommands } from '../../src/acd/adminCommands.js';
import { createAgentCommands, type ReasonLists } from '../../src/acd/agentCommands.js';
import type { ApiDeps, ApiOptions } from '../../src/api/deps.js';
import { createEventHub, type EventHub } from '../../src/api/eventHub.js';
import { buildApi } from '../../src/api/server.js';
import { type ApiServices, createApiServices } from '../../src/api/services.js';
import type { CallCommands } from '../../src/acd/callCommands.js';
import { type AuthFile, resolveAuthSettings } from '../../src/auth/settings.js';
import { AcdError } from '../../src/domain/errors.js';
import type { StatsSettings } from '../../src/stats/settings.js';
import type { RedisStore } from '../../src/store/redisStore.js';
import { agentDef, createTestStore, queueDef } from '../helpers/store.js';
import { type HttpClient, httpClient, TEST_AUTH } from './httpClient.js';

export const reasons: ReasonLists = {
  notReady: [
    { code: 'break', label: 'Break' },
    { code: 'lunch', label: 'Lunch' },
  ],
  logout: [{ code: 'eod', label: 'End of day' }],
};

export interface ApiHarness {
  app: Awaited<ReturnType<typeof buildApi>>;
  store: RedisStore;
  /** The store's connection (fields only scripts write, set directly). */
  redis: Redis;
  hub: EventHub;
  services: ApiServices;
  /** Broken store invariants (empty = healthy). */
  violations(): Promise<string[]>;
  /** Agents the commands asked the router to look at (onReady). */
  readied: string[];
  /** Every log line the API wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Base URL once `listen()` was called. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** A pino logger at debug level that keeps its lines in memory. */
function memoryLogger(): { logger: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), logs };
}

/** This harness runs no engine: call commands are tested with the whole engine (engineApi.ts). */
const NO_ENGINE: CallCommands = {
  setPriority: () => Promise.reject(new AcdError('internal', 'no engine in this harness')),
  withdraw: () => Promise.reject(new AcdError('internal', 'no engine in this harness')),
  hangup: () => Promise.reject(new AcdError('internal', 'no engine in this harness')),
};

export interface ApiHarnessOptions {
  options?: ApiOptions;
  wrapStore?: (store: RedisStore) => RedisStore;
  /** The configuration file's `auth` section; default none (open mode). */
  auth?: AuthFile;
  stats?: StatsSettings;
}

export async function startApi(opts: ApiHarnessOptions = {}): Promise<ApiHarness> {
  const testStore = createTestStore();
  const { store } = testStore;
  await store.upsertQueue(queueDef('sales'));
  await store.upsertQueue(queueDef('support'));
  await store.upsertAgent(agentDef('1001', ['sales']));
  await store.upsertAgent(agentDef('1002', ['sales', 'support']));
  await store.upsertAgent(agentDef('2001', ['support']));

  const { logger, logs } = memoryLogger();
  const readied: string[] = [];
  const agents = createAgentCommands(store, reasons, (id) => readied.push(id));
  const hub = createEventHub(store, logger, { blockMs: 50, retryMs: 20, pageSize: 5 });
  await hub.start();
  const services = createApiServices({
    redis: testStore.redis,
    tenant: testStore.tenant,
    store,
    hub,
    logger,
    auth: resolveAuthSettings(opts.auth),
    stats: opts.stats ?? { groups: {} },
    projector: { leaseMs: 3_000 },
  });
  services.projector.start();
  const deps: ApiDeps = { store: opts.wrapStore ? opts.wrapStore(store) : store, agents, reasons, logger, events: hub, calls: NO_ENGINE, ...services, admin: createAdminCommands(services.admin, store, () => undefined) };
  const app = await buildApi(deps, opts.options ?? { sse: { heartbeatMs: 5_000, retryMs: 1_234 } });

  return {
    app,
    store,
    redis: testStore.redis,
    hub,
    services,
    violations: () => testStore.violations(),
    readied,
    logs,
    async listen() {
      return app.listen({ port: 0, host: '127.0.0.1' });
    },
    async close() {
      await app.close();
      await services.projector.stop();
      await hub.stop();
      await testStore.cleanup();
    },
  };
}

/**
 * Per test: the API with the test keys (test/api/httpClient.ts) over real HTTP; after each test
 * the store's invariants must hold. Read `ctx.api` / `ctx.http` inside tests.
 */
export function keyedApiPerTest(): { api: ApiHarness; http: HttpClient } {
  const ctx = {} as { api: ApiHarness; http: HttpClient };
  beforeEach(async () => {
    ctx.api = await startApi({ auth: TEST_AUTH });
    ctx.http = httpClient(await ctx.api.listen());
  });
  afterEach(async () => {
    expect(await ctx.api.violations()).toEqual([]);
    await ctx.api.close();
  });
  return ctx;
}
