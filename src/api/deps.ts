/** What the HTTP layer needs from the rest of the engine, and the instance type routes are written against. */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import type { AgentCommands, ReasonLists } from '../acd/agentCommands.js';
import type { AcdStore } from '../store/types.js';
import type { EventHub } from './eventHub.js';

export interface ApiDeps {
  store: AcdStore;
  agents: AgentCommands;
  reasons: ReasonLists;
  logger: Logger;
  events: EventHub;
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
}

export type ApiApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
