/**
 * The event stream for API-key holders: `GET /api/events` (Server-Sent Events) and
 * `GET /api/events/long-poll`. Each client is one subscription on the process-wide EventHub;
 * resuming (Last-Event-ID, `after`) replays missed events from the Redis Stream first. A client
 * that cannot keep up is dropped rather than buffered without bound: it resumes from the stream.
 */
import { Type } from 'typebox';
import { actor, ALL_ROLES, auth, principalOf } from '../auth.js';
import type { ApiApp, ApiDeps } from '../deps.js';
import { errorResponses } from '../schemas.js';
import { serveSse, visibleTo } from '../streams.js';
import type { StreamTransport } from '../streamTransport.js';
import { LongPollQuery, LongPollReply, StreamId } from '../streamSchemas.js';

const FilterQuery = {
  queue: Type.Optional(Type.String({ description: 'only events of this queue' })),
  agent: Type.Optional(Type.String({ description: 'only events of this agent' })),
};

export function eventRoutes(app: ApiApp, { events }: ApiDeps, transport: StreamTransport): void {
  app.get(
    '/events',
    {
      config: auth(ALL_ROLES),
      schema: {
        tags: ['events'],
        summary: 'Live event stream (Server-Sent Events)',
        description:
          'Each event: `id: <stream id>`, `event: <type>`, `data: <json>`. Resume with the Last-Event-ID header or `lastEventId`. An agent key sees only its own agent\'s events.',
        querystring: Type.Object({ ...FilterQuery, lastEventId: Type.Optional(StreamId) }),
        headers: Type.Object({ 'last-event-id': Type.Optional(StreamId) }),
        response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: Type.String() } } }, ...errorResponses },
      },
    },
    (req, reply) => {
      const { queue, agent, lastEventId } = req.query;
      const principal = principalOf(req);
      const release = transport.cap.acquire(principal.credential);
      // A browser's automatic reconnect sends the header; it is newer than the URL's query.
      const fromId = req.headers['last-event-id'] ?? lastEventId;
      const log = req.log.child({ sse: true });
      log.debug({ fromId, queue, agent, by: actor(req) }, 'SSE client connected');
      reply.hijack();
      serveSse(reply.raw, { hub: events, log, fromId, accept: visibleTo(principal, { queue, agent }), sse: transport.sse, open: transport.open, closeEvent: false, onClose: release });
    },
  );

  app.get(
    '/events/long-poll',
    {
      config: auth(ALL_ROLES),
      schema: {
        tags: ['events'],
        summary: 'Live event stream (long-poll)',
        description: 'Answers as soon as events are there, or after `timeoutMs` with none. Send the answer\'s `lastEventId` as `after` next time.',
        querystring: Type.Object({ ...FilterQuery, ...LongPollQuery.properties, after: StreamId }),
        response: { 200: LongPollReply, ...errorResponses },
      },
    },
    async (req, reply) => {
      const { queue, agent, after, timeoutMs, max } = req.query;
      const principal = principalOf(req);
      return transport.poll(reply.raw, principal.credential, after, visibleTo(principal, { queue, agent }), { timeoutMs, max });
    },
  );
}
