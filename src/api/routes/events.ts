/**
 * `GET /api/events`: the event stream as Server-Sent Events. Each client is one subscription
 * on the process-wide EventHub; resuming with Last-Event-ID replays the missed events from the
 * Redis Stream first. A client that cannot keep up is dropped rather than buffered without
 * bound: it reconnects with Last-Event-ID and catches up from the stream.
 */
import type { ServerResponse } from 'node:http';
import { Type } from 'typebox';
import type { ApiApp, ApiDeps, SseOptions } from '../deps.js';
import { errorResponses } from '../schemas.js';
import { formatSseEvent, formatSseRetry, matchesFilter, SSE_HEARTBEAT } from '../sse.js';
import { STREAM_ID_PATTERN } from '../streamId.js';

const StreamId = Type.String({ pattern: STREAM_ID_PATTERN, description: 'a stream entry id as sent in `id:`' });

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // nginx would otherwise buffer the stream.
  'x-accel-buffering': 'no',
};

export function eventRoutes(app: ApiApp, { events }: ApiDeps, sse: SseOptions): void {
  /** Open streams, ended when the server closes (they would otherwise hold `close()` forever). */
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get(
    '/events',
    {
      schema: {
        tags: ['events'],
        summary: 'Live event stream (Server-Sent Events)',
        description: 'Each event: `id: <stream id>`, `event: <type>`, `data: <json>`. Resume with the Last-Event-ID header or `lastEventId`.',
        querystring: Type.Object({
          queue: Type.Optional(Type.String({ description: 'only events of this queue' })),
          agent: Type.Optional(Type.String({ description: 'only events of this agent' })),
          lastEventId: Type.Optional(StreamId),
        }),
        headers: Type.Object({ 'last-event-id': Type.Optional(StreamId) }),
        response: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: Type.String() } } }, ...errorResponses },
      },
    },
    (req, reply) => {
      const { queue, agent, lastEventId } = req.query;
      // A browser's automatic reconnect sends the header; it is newer than the URL's query.
      const fromId = req.headers['last-event-id'] ?? lastEventId;
      const filter = { queue, agent };
      const log = req.log.child({ sse: true });

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, SSE_HEADERS);
      res.write(formatSseRetry(sse.retryMs));
      open.add(res);
      log.debug({ fromId, filter }, 'SSE client connected');

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
      const unsubscribe = events.subscribe(fromId, (stored) => {
        if (matchesFilter(stored.event, filter)) send(formatSseEvent(stored));
      });
      const heartbeat = setInterval(() => send(SSE_HEARTBEAT), sse.heartbeatMs);
      res.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
        log.debug('SSE client gone');
      });
    },
  );
}
