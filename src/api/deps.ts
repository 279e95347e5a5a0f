/** What the HTTP layer needs from the rest of the engine, and the instance type routes are written against. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import type { AdminCommands } from '../acd/adminCommands.js';
import type { AgentCommands, ReasonLists } from '../acd/agentCommands.js';
import type { CallCommands } from '../acd/callCommands.js';
import type { ApiAuth } from '../auth/index.js';
import type { LiveStats } from '../stats/liveStats.js';
import type { AcdStore } from '../store/types.js';
import type { CallControl } from '../acd/control/index.js';
import type { EventHub } from './eventHub.js';
import type { Health } from '../infra/health.js';
import type { EngineMetrics } from '../stats/metrics.js';

export interface ApiDeps {
  store: AcdStore;
  agents: AgentCommands;
  reasons: ReasonLists;
  logger: Logger;
  events: EventHub;
  /** Priority, withdraw, hang-up of queue calls. */
  calls: CallCommands;
  /** Keys, tickets, the destination allow-list (route `config.auth`: see src/api/auth.ts). */
  auth: ApiAuth;
  /** Queue and agent definitions, membership, pause, deleting queues and agents: the engine's commands (Engine.admin). */
  admin: AdminCommands;
  stats: LiveStats;
  /** Call control (CTI routes and WebSocket); the CTI endpoints exist only when given. */
  control?: CallControl;
  /** Redis/ARI/reconcile state: `/readyz` and 503 while Redis is down (src/api/availability.ts). */
  health?: Health;
  /** Prometheus registry with the engine's instruments (src/stats/metrics.ts); a bare one when omitted. */
  metrics?: EngineMetrics;
  /** Talks going on that Redis has no record of (`acd_unrecorded_talks`; the engine's). */
  unrecordedTalks?: () => number;
}

export interface SseOptions {
  /** Comment line sent when idle, so proxies and browsers keep the connection. */
  heartbeatMs: number;
  /** `retry:` hint: how long a browser waits before reconnecting. */
  retryMs: number;
  /** A client this far behind is disconnected; it resumes from the stream with Last-Event-ID. */
  maxBufferedBytes: number;
}

export interface ApiOptions {
  sse?: Partial<SseOptions>;
  /** PBXIS `POST /stop` (admin): starts the process's graceful shutdown; absent = refused. */
  requestStop?: () => void;
  /** Second path of the Live Queue API (`<prefix>/api/v2/liveQueue/count`); default `/deepcall`. */
  liveQueuePrefix?: string;
}

export type ApiApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
