/**
 * The event stream over its three transports — Server-Sent Events, long-poll, WebSocket — all
 * fed by the one EventHub subscription per client and resumable from a stream id (SSE
 * Last-Event-ID, long-poll `after`, WebSocket `lastEventId`): the hub replays from the Redis
 * Stream, then goes live, without gap or duplicate. Who sees what: a ticket sees events of its
 * agents and queues; an agent key sees only its own agent's events; query filters narrow further.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { Principal } from '../auth/principal.js';
import type { AcdEvent, StoredEvent } from '../domain/events.js';
import type { SseOptions } from './deps.js';
import type { EventHub } from './eventHub.js';
import { type EventFilter, formatSseEvent, formatSseRetry, matchesFilter, SSE_HEARTBEAT } from './sse.js';

export type EventPredicate = (event: AcdEvent) => boolean;

/** What `principal` may see, narrowed by the request's own filter. */
const field = (event: AcdEvent, name: 'agentId' | 'queue'): string | undefined => {
  const value = (event as Partial<Record<typeof name, unknown>>)[name];
  return typeof value === 'string' ? value : undefined;
};

export function visibleTo(principal: Principal, filter: EventFilter): EventPredicate {
  const { scope } = principal;
  const own = principal.role === 'agent' && !scope ? principal.agentId : undefined;
  return (event) => {
    if (!matchesFilter(event, filter)) return false;
    const agentId = field(event, 'agentId');
    if (own !== undefined && agentId !== own) return false;
    if (!scope) return true;
    const queue = field(event, 'queue');
    return (agentId !== undefined && scope.agents.includes(agentId)) || (queue !== undefined && scope.queues.includes(queue));
  };
}

/** Stream events as JSON objects: the event's fields, its `type`, and the stream `id` to resume from. */
export const eventJson = ({ id, event }: StoredEvent) => ({ id, ...event });

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx would otherwise buffer the stream.
  'x-accel-buffering': 'no',
};

export interface StreamContext {
  hub: EventHub;
  log: FastifyBaseLogger;
  /** Called on every heartbeat (ticket streams renew their ticket). */
  onHeartbeat?: () => void;
  /** Called once when the stream ends, whoever ends it. */
  onClose: () => void;
}

/** Open SSE responses, so the server can end them (with a `close` event) when it shuts down. */
export type OpenStreams = Set<{ end(): void }>;

export function serveSse(res: ServerResponse, ctx: StreamContext & { fromId: string | undefined; accept: EventPredicate; sse: SseOptions; open: OpenStreams; closeEvent: boolean }): void {
  const { sse, log } = ctx;
  res.writeHead(200, SSE_HEADERS);
  res.write(formatSseRetry(sse.retryMs));
  // Events and heartbeats can still arrive between end() and 'close': never write after end.
  const send = (text: string) => {
    if (res.writableEnded || res.destroyed) return;
    res.write(text);
    if (res.writableLength > sse.maxBufferedBytes) {
      // destroy, not end: end() would keep the backlog in memory until the client read it.
      log.warn({ buffered: res.writableLength }, 'SSE client too slow; disconnecting it (it resumes with Last-Event-ID)');
      res.destroy();
    }
  };
  const handle = {
    end() {
      if (ctx.closeEvent) send('event: close\ndata: {}\n\n');
      res.end();
    },
  };
  ctx.open.add(handle);
  const unsubscribe = ctx.hub.subscribe(ctx.fromId, (stored) => {
    if (ctx.accept(stored.event)) send(formatSseEvent(stored));
  });
  const heartbeat = setInterval(() => {
    send(SSE_HEARTBEAT);
    ctx.onHeartbeat?.();
  }, sse.heartbeatMs);
  res.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    ctx.open.delete(handle);
    ctx.onClose();
    log.debug('SSE client gone');
  });
}

export interface PollResult {
  events: ReturnType<typeof eventJson>[];
  /** Resume from here (`after`): the last event looked at, shown or not. */
  lastEventId: string;
}

/**
 * One long-poll: resolves as soon as at least one visible event is there (with all visible events
 * delivered in the same turn, up to `max`) or at `timeoutMs` with none. Events the client may
 * not see still move `lastEventId` on, so the next poll does not scan them again.
 */
export function pollOnce(hub: EventHub, fromId: string, accept: EventPredicate, opts: { timeoutMs: number; max: number; signal: AbortSignal }): Promise<PollResult> {
  return new Promise((resolve) => {
    const events: PollResult['events'] = [];
    let lastEventId = fromId;
    let settleScheduled = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      unsubscribe();
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', finish);
      resolve({ events, lastEventId });
    };
    const unsubscribe = hub.subscribe(fromId, (stored) => {
      if (done) return;
      lastEventId = stored.id;
      if (accept(stored.event)) events.push(eventJson(stored));
      if (events.length >= opts.max) return finish();
      // Let the rest of the page (delivered synchronously) join this answer.
      if (events.length > 0 && !settleScheduled) {
        settleScheduled = true;
        setImmediate(finish);
      }
    });
    const timer = setTimeout(finish, opts.timeoutMs);
    opts.signal.addEventListener('abort', finish);
  });
}

export function serveWebSocket(ws: WebSocket, ctx: StreamContext & { fromId: string | undefined; accept: EventPredicate; heartbeatMs: number; maxBufferedBytes: number }): void {
  const unsubscribe = ctx.hub.subscribe(ctx.fromId, (stored) => {
    if (ws.readyState !== ws.OPEN || !ctx.accept(stored.event)) return;
    ws.send(JSON.stringify(eventJson(stored)));
    if (ws.bufferedAmount > ctx.maxBufferedBytes) {
      ctx.log.warn({ buffered: ws.bufferedAmount }, 'WebSocket client too slow; disconnecting it (it resumes with lastEventId)');
      ws.terminate();
    }
  });
  const heartbeat = setInterval(() => {
    ws.ping();
    ctx.onHeartbeat?.();
  }, ctx.heartbeatMs);
  ws.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    ctx.onClose();
  });
}
