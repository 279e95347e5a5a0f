/**
 * Native browser streams: `POST /api/tickets {agents, queues}` (agent ids) gives a short-lived
 * ticket, and the engine's own events of those agents and queues are then served over
 * `GET /api/tickets/<ticket>/sse` (ends with a `close` event when the server shuts down),
 * `GET /api/tickets/<ticket>/long-poll` and the WebSocket `/api/tickets/<ticket>/websocket`.
 * (The PBXIS-ws routes `/ticket`, `/<ticket>/...` speak PBXIS: pbxisStreams.ts.) Each resumes from a stream id (Last-Event-ID / `after` / `lastEventId`);
 * a long-poll without `after` continues where the ticket's previous poll ended.
 */
import { Type } from 'typebox';
import { TICKET_PATTERN } from '../../auth/tickets.js';
import { AcdError } from '../../domain/errors.js';
import { ALL_ROLES, auth, principalOf } from '../auth.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';
import { isStreamId } from '../streamId.js';
import { LongPollQuery, LongPollReply, StreamId } from '../streamSchemas.js';
import { serveSse, serveWebSocket, visibleTo } from '../streams.js';
import type { StreamTransport } from '../streamTransport.js';
import { onUpgrade, refuseUpgrade, webSocketServer } from '../upgrade.js';
import { admitTicketUpgrade } from '../ticketUpgrade.js';

const tags = ['streams'];
const TicketParams = Type.Object({ ticket: Type.String({ pattern: TICKET_PATTERN }) });
const ticketAuth = auth(ALL_ROLES, { ticket: true });

const TicketRequest = Type.Object({
  agents: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 })),
  queues: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 1000 })),
});

export function ticketRoutes(app: ApiApp, deps: ApiDeps, transport: StreamTransport): void {
  const { tickets } = deps.auth;

  app.post(
    '/api/tickets',
    {
      config: auth(ALL_ROLES),
      schema: {
        tags,
        summary: 'A ticket for the event stream of some agents and queues',
        description: 'An agent key may ask only for its own agent and the queues it serves. The ticket expires `ticketTtlS` after its last use.',
        body: TicketRequest,
        response: { 200: Type.Object({ ticket: Type.String(), expiresInS: Type.Number() }), ...errorResponses },
      },
    },
    async (req) => {
      const agents = [...new Set(req.body.agents ?? [])];
      const queues = [...new Set(req.body.queues ?? [])];
      if (agents.length === 0 && queues.length === 0) throw new AcdError('validation', 'ask for at least one agent or queue', { field: 'agents' });
      const [knownAgents, knownQueues] = await Promise.all([deps.store.listAgents(), deps.store.listQueues()]);
      const badAgent = agents.find((a) => !knownAgents.some((k) => k.id === a));
      if (badAgent) throw new AcdError('agent_not_found', `agent '${badAgent}' does not exist`, { field: 'agents' });
      const badQueue = queues.find((q) => !knownQueues.some((k) => k.id === q));
      if (badQueue) throw new AcdError('queue_not_found', `queue '${badQueue}' does not exist`, { field: 'queues' });
      const principal = principalOf(req);
      if (principal.role === 'agent') {
        const self = knownAgents.find((a) => a.id === principal.agentId);
        if (agents.some((a) => a !== principal.agentId) || queues.some((q) => !self?.queues.includes(q))) {
          throw new AcdError('forbidden', 'an agent key may ask only for its own agent and its own queues');
        }
      }
      const ticket = await tickets.issue(principal, { agents, queues }, await deps.store.lastEventId());
      return { ticket, expiresInS: deps.auth.settings.ticketTtlS };
    },
  );

  app.get(
    '/api/tickets/:ticket/sse',
    {
      config: ticketAuth,
      schema: {
        tags,
        summary: "The ticket's events (Server-Sent Events)",
        params: TicketParams,
        querystring: Type.Object({ lastEventId: Type.Optional(StreamId) }),
        headers: Type.Object({ 'last-event-id': Type.Optional(StreamId) }),
        response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: Type.String() } } }, ...errorResponses },
      },
    },
    (req, reply) => {
      const principal = principalOf(req);
      const release = transport.cap.acquire(principal.credential);
      reply.hijack();
      serveSse(reply.raw, {
        hub: deps.events,
        log: req.log.child({ sse: true }),
        fromId: req.headers['last-event-id'] ?? req.query.lastEventId,
        accept: visibleTo(principal, {}),
        sse: transport.sse,
        open: transport.open,
        closeEvent: true,
        onHeartbeat: () => void tickets.use(req.params.ticket).catch(() => undefined),
        onClose: release,
      });
    },
  );

  app.get(
    '/api/tickets/:ticket/long-poll',
    {
      config: ticketAuth,
      schema: {
        tags,
        summary: "The ticket's events (long-poll)",
        description: 'Without `after`, continues where the previous poll of this ticket ended.',
        params: TicketParams,
        querystring: Type.Object({ ...LongPollQuery.properties, after: Type.Optional(StreamId) }),
        response: { 200: LongPollReply, ...errorResponses },
      },
    },
    async (req, reply) => {
      const principal = principalOf(req);
      const ticket = await tickets.use(req.params.ticket);
      // A PBXIS ticket never polled has cursor '': from the start of what is kept.
      const after = req.query.after ?? (ticket?.cursor || '0');
      const result = await transport.poll(reply.raw, principal.credential, after, visibleTo(principal, {}), req.query);
      await tickets.setCursor(req.params.ticket, result.lastEventId);
      return result;
    },
  );

  const wss = webSocketServer(app);
  // preClose: the HTTP server's close waits for upgraded sockets too.
  app.addHook('preClose', async () => {
    for (const ws of wss.clients) ws.close(1001, 'server shutting down');
    wss.close();
  });
  onUpgrade(app, /^\/api\/tickets\/([A-Za-z0-9_-]{32})\/websocket$/, (req, socket, head, match) => {
    const id = match[1]!;
    const fromId = new URL(req.url ?? '/', 'http://localhost').searchParams.get('lastEventId') ?? undefined;
    const log = app.log.child({ websocket: true });
    void (async () => {
      if (fromId !== undefined && !isStreamId(fromId)) return refuseUpgrade(socket, 400, { status: 'error', code: 'validation', message: 'lastEventId is not an event id' });
      const admitted = await admitTicketUpgrade(tickets, transport.cap, id, socket);
      if (!admitted) return;
      const { principal, release } = admitted;
      wss.handleUpgrade(req, socket, head, (ws) =>
        serveWebSocket(ws, {
          hub: deps.events,
          log,
          fromId,
          accept: visibleTo(principal, {}),
          heartbeatMs: transport.sse.heartbeatMs,
          maxBufferedBytes: transport.sse.maxBufferedBytes,
          onHeartbeat: () => void tickets.use(id).catch(() => undefined),
          onClose: release,
        }),
      );
    })().catch((err: unknown) => {
      log.error({ err }, 'WebSocket handshake failed');
      refuseUpgrade(socket, 500, { status: 'error', code: 'internal', message: 'internal error' });
    });
  });
}
