/**
 * PBXIS-ws event streams, as its document and sample pages use them:
 *   POST /ticket {"agents": [extensions], "queues": [names]}  → the ticket, a plain JSON string
 *   GET  /<ticket>/long-poll   → a JSON array of PBXIS events (the current state on the first poll)
 *   GET  /<ticket>/sse         → `event: <type>` / `data: {...}` frames; `close` when the server ends it
 *   GET  /<ticket>/websocket   → one PBXIS event per message; `{"type":"closed"}` before the server closes
 *   POST /stop                 → admin only: graceful shutdown (see docs/compat-pbxis.md)
 * Streams open with the current state (statuses, counts), then the changes. Tickets are the
 * shared stream tickets (src/auth/tickets.ts): TTL renewed by use, scoped, capped per key.
 */
import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import { TICKET_PATTERN } from '../../auth/tickets.js';
import type { StreamScope } from '../../auth/principal.js';
import { loadDirectory } from '../../compat/pbxis/directory.js';
import type { PbxisEvent } from '../../compat/pbxis/events.js';
import { type FeedDeps, openFeed, pollFeed } from '../../compat/pbxis/feed.js';
import { sendJsonString } from '../../compat/pbxis/jsonString.js';
import { AcdError } from '../../domain/errors.js';
import { ADMIN, ALL_ROLES, actor, auth, principalOf } from '../auth.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';
import { LongPollQuery } from '../streamSchemas.js';
import { visibleTo } from '../streams.js';
import type { StreamTransport } from '../streamTransport.js';
import { onUpgrade, refuseUpgrade, webSocketServer } from '../upgrade.js';
import { admitTicketUpgrade } from '../ticketUpgrade.js';

const tags = ['pbxis'];
const TicketParams = Type.Object({ ticket: Type.String({ pattern: TICKET_PATTERN }) });
const ticketAuth = auth(ALL_ROLES, { ticket: true });
const Names = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1000 });
const PbxisEventSchema = Type.Object({ type: Type.String() }, { additionalProperties: true });
const CLOSED: PbxisEvent = { type: 'closed' };

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' };

/** PBXIS SSE frame: the type is the SSE event name, the rest of the event is the data. */
function sseFrame({ type, ...data }: PbxisEvent): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface PbxisStreamOptions {
  /** `POST /stop`: asks the process to shut down as on SIGTERM; absent = the route answers 503. */
  requestStop?: () => void;
}

export function pbxisStreamRoutes(app: ApiApp, deps: ApiDeps, transport: StreamTransport, options: PbxisStreamOptions = {}): void {
  const { tickets } = deps.auth;
  const feedDeps = (log: FeedDeps['log']): FeedDeps => ({ hub: deps.events, store: deps.store, admin: deps.admin, log });
  // Ends waiting long-polls with `closed` when the server shuts down.
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());

  app.post(
    '/ticket',
    {
      config: auth(ALL_ROLES),
      schema: {
        tags,
        summary: 'A ticket for the PBXIS event stream of some agents (extensions) and queues',
        description: 'Agents by extension (or agent id). An agent key may ask only for itself and its own queues. Answer: the ticket, a JSON string.',
        body: Type.Object({ agents: Type.Optional(Names), queues: Type.Optional(Names) }),
        response: { 200: Type.String(), ...errorResponses },
      },
    },
    async (req, reply) => {
      const names = [...new Set(req.body.agents ?? [])];
      const queues = [...new Set(req.body.queues ?? [])];
      if (names.length === 0 && queues.length === 0) throw new AcdError('validation', 'ask for at least one agent or queue', { field: 'agents' });
      const [dir, knownQueues] = await Promise.all([loadDirectory(deps.store, deps.admin), deps.store.listQueues()]);
      const agents = [...new Set(names.map((n) => dir.resolve(n, 'agents').agent.id))];
      const badQueue = queues.find((q) => !knownQueues.some((k) => k.id === q));
      if (badQueue) throw new AcdError('queue_not_found', `queue '${badQueue}' does not exist`, { field: 'queues' });
      const principal = principalOf(req);
      if (principal.role === 'agent') {
        const self = dir.entries.find((e) => e.agent.id === principal.agentId);
        if (agents.some((a) => a !== principal.agentId) || queues.some((q) => !self?.queues.includes(q))) {
          throw new AcdError('forbidden', 'an agent key may ask only for its own agent and its own queues');
        }
      }
      // Cursor '' = never polled: the first long-poll answers the current state.
      return sendJsonString(reply, await tickets.issue(principal, { agents, queues }, ''));
    },
  );

  app.get(
    '/:ticket/long-poll',
    {
      config: ticketAuth,
      schema: {
        tags,
        summary: "The ticket's PBXIS events (long-poll): the current state first, then changes",
        params: TicketParams,
        querystring: LongPollQuery,
        response: { 200: Type.Array(PbxisEventSchema), ...errorResponses },
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      const ticket = await tickets.use(req.params.ticket);
      if (!ticket) return [CLOSED];
      const release = transport.cap.acquire(principal.credential);
      const abort = new AbortController();
      const stop = () => abort.abort();
      reply.raw.once('close', stop);
      closing.signal.addEventListener('abort', stop);
      try {
      const outcome = await pollFeed(feedDeps(req.log), principal.scope!, visibleTo(principal, {}), ticket.cursor, {
          timeoutMs: req.query.timeoutMs ?? 25_000,
          max: req.query.max ?? 500,
          signal: abort.signal,
        });
        await tickets.setCursor(req.params.ticket, outcome.cursor);
        if (!closing.signal.aborted) return outcome.events;
        // The server waits for this connection to close, not for keep-alive to time out.
        reply.header('connection', 'close');
        return [...outcome.events, CLOSED];
      } finally {
        closing.signal.removeEventListener('abort', stop);
        release();
      }
    },
  );

  app.get(
    '/:ticket/sse',
    {
      config: ticketAuth,
      schema: {
        tags,
        summary: "The ticket's PBXIS events (Server-Sent Events, `event: <type>`; `close` ends the stream)",
        params: TicketParams,
        response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: Type.String() } } }, ...errorResponses },
      },
    },
    (req, reply) => {
      const principal = principalOf(req);
      const release = transport.cap.acquire(principal.credential);
      reply.hijack();
      servePbxisSse(reply.raw, { ...feedDeps(req.log), scope: principal.scope!, accept: visibleTo(principal, {}), transport, renew: () => void tickets.use(req.params.ticket).catch(() => undefined), onClose: release });
    },
  );

  const wss = webSocketServer(app);
  // preClose: the HTTP server's close waits for upgraded sockets too.
  app.addHook('preClose', async () => {
    for (const ws of wss.clients) {
      ws.send(JSON.stringify(CLOSED));
      ws.close(1001, 'server shutting down');
    }
    wss.close();
  });
  onUpgrade(app, /^\/([A-Za-z0-9_-]{32})\/websocket$/, (req, socket, head, match) => {
    const id = match[1]!;
    const log = app.log.child({ pbxis: 'websocket' });
    void (async () => {
      const admitted = await admitTicketUpgrade(tickets, transport.cap, id, socket);
      if (!admitted) return;
      const { principal, release } = admitted;
      wss.handleUpgrade(req, socket, head, (ws) => {
        const stop = openFeed(feedDeps(log), principal.scope!, visibleTo(principal, {}), (events) => {
          if (ws.readyState !== ws.OPEN) return;
          for (const event of events) ws.send(JSON.stringify(event));
          if (ws.bufferedAmount > transport.sse.maxBufferedBytes) ws.terminate();
        });
        const heartbeat = setInterval(() => {
          ws.ping();
          void tickets.use(id).catch(() => undefined);
        }, transport.sse.heartbeatMs);
        ws.on('close', () => {
          clearInterval(heartbeat);
          stop();
          release();
        });
      });
    })().catch((err: unknown) => {
      log.error({ err }, 'WebSocket handshake failed');
      refuseUpgrade(socket, 500, { status: 'error', code: 'internal', message: 'internal error' });
    });
  });

  app.post(
    '/stop',
    {
      config: auth(ADMIN),
      schema: { tags, summary: 'Graceful shutdown of this engine instance (admin)', response: { 202: Type.Literal('stopping'), ...errorResponses } },
    },
    async (req, reply) => {
      const { requestStop } = options;
      if (!requestStop) throw new AcdError('invalid_state', 'this server cannot be stopped over HTTP');
      req.log.warn({ by: actor(req) }, 'POST /stop: shutting down');
      // After the answer is out: the shutdown closes this server.
      reply.raw.once('finish', requestStop);
      return sendJsonString(reply, 'stopping', 202);
    },
  );
}

interface SseContext extends FeedDeps {
  scope: StreamScope;
  accept: ReturnType<typeof visibleTo>;
  transport: StreamTransport;
  renew: () => void;
  onClose: () => void;
}

function servePbxisSse(res: ServerResponse, ctx: SseContext): void {
  const { sse } = ctx.transport;
  res.writeHead(200, SSE_HEADERS);
  res.write(`retry: ${sse.retryMs}\n\n`);
  const send = (text: string) => {
    if (res.writableEnded || res.destroyed) return;
    res.write(text);
    if (res.writableLength > sse.maxBufferedBytes) res.destroy();
  };
  const handle = {
    end() {
      send('event: close\ndata: {}\n\n');
      res.end();
    },
  };
  ctx.transport.open.add(handle);
  const stop = openFeed(ctx, ctx.scope, ctx.accept, (events) => send(events.map(sseFrame).join('')));
  const heartbeat = setInterval(() => {
    send(': heartbeat\n\n');
    ctx.renew();
  }, sse.heartbeatMs);
  res.on('close', () => {
    clearInterval(heartbeat);
    stop();
    ctx.transport.open.delete(handle);
    ctx.onClose();
  });
}
