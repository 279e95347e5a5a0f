/**
 * The HTTP layer on the real Redis store (fresh tenant): real agent commands, a real EventHub,
 * two queues and three agents. `listen()` serves over real HTTP for SSE tests.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { createAgentCommands, type ReasonLists } from '../../src/acd/agentCommands.js';
import type { ApiDeps, ApiOptions } from '../../src/api/deps.js';
import { createEventHub, type EventHub } from '../../src/api/eventHub.js';
import { buildApi } from '../../src/api/server.js';
import type { RedisStore } from '../../src/store/redisStore.js';
import { agentDef, createTestStore, queueDef } from '../helpers/store.js';

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
  hub: EventHub;
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

export async function startApi(opts: { options?: ApiOptions; wrapStore?: (store: RedisStore) => RedisStore } = {}): Promise<ApiHarness> {
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
  const deps: ApiDeps = { store: opts.wrapStore ? opts.wrapStore(store) : store, agents, reasons, logger, events: hub };
  const app = await buildApi(deps, opts.options ?? { sse: { heartbeatMs: 5_000, retryMs: 1_234 } });

  return {
    app,
    store,
    hub,
    readied,
    logs,
    async listen() {
      return app.listen({ port: 0, host: '127.0.0.1' });
    },
    async close() {
      await app.close();
      await hub.stop();
      await testStore.cleanup();
    },
  };
}
