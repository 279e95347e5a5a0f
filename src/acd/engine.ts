/**
 * The engine: wires PBX events to the call-journey steps, the router, the timers and reconcile.
 * It holds no call state of its own; stopping it (or killing it) loses nothing but in-flight
 * REST requests, which reconcile repairs on the next start.
 */
import type { ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { Pbx } from '../pbx/port.js';
import type { AcdStore } from '../store/types.js';
import { createAgentCommands, type AgentCommands, type ReasonLists } from './agentCommands.js';
import { DEFAULT_SETTINGS, type AcdContext, type EngineSettings } from './context.js';
import { Dispatcher } from './dispatcher.js';
import { KeyedLock } from './keyedLock.js';
import { reconcile } from './reconcile.js';
import { Router } from './router.js';
import { createTimers, type TimerJob, type Timers } from './timers.js';

export interface EngineDeps {
  pbx: Pbx;
  store: AcdStore;
  logger: Logger;
  nodeId: string;
  reasons: ReasonLists;
  /** BullMQ connection and key prefix (the tenant's hash tag) for the timers. */
  timers: { connection: ConnectionOptions; prefix: string };
  settings?: Partial<EngineSettings>;
}

export interface Engine {
  readonly agents: AgentCommands;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once routing and reconcile in flight are done (tests, shutdown). */
  idle(): Promise<void>;
}

export function createEngine(deps: EngineDeps): Engine {
  const logger = deps.logger.child({ component: 'engine' });
  let timers: Timers | undefined;
  // Filled before start(); the context is shared by every step.
  const ctx: AcdContext = {
    pbx: deps.pbx,
    store: deps.store,
    get timers(): Timers {
      if (!timers) throw new Error('engine not started');
      return timers;
    },
    logger,
    nodeId: deps.nodeId,
    locks: new KeyedLock(),
    kick: (trigger) => router.kick(trigger),
    settings: { ...DEFAULT_SETTINGS, ...deps.settings },
  };
  const router = new Router(ctx);

  let reconciling: Promise<void> = Promise.resolve();
  const runReconcile = () => {
    reconciling = reconciling.then(() => reconcile(ctx)).catch((err) => logger.error({ err }, 'reconcile failed'));
  };
  const dispatcher = new Dispatcher(ctx, runReconcile);

  const onTimer = async (job: TimerJob) => {
    if (job.kind === 'wrapup') {
      if (await deps.store.endWrapup(job.agentId, job.version)) router.kick({ agentId: job.agentId });
    } else {
      router.kick({ agentId: job.agentId });
    }
  };

  let unsubscribe: (() => void) | undefined;
  return {
    agents: createAgentCommands(deps.store, deps.reasons, (agentId) => router.kick({ agentId })),
    async start() {
      timers = createTimers({ ...deps.timers, handler: onTimer, logger });
      unsubscribe = deps.pbx.onEvent((e) => dispatcher.handle(e));
      await deps.pbx.start();
    },
    async stop() {
      unsubscribe?.();
      await deps.pbx.stop();
      await router.idle();
      await reconciling;
      await timers?.close();
    },
    async idle() {
      await reconciling;
      await router.idle();
    },
  };
}
