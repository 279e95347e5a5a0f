/**
 * Closing the API lets no connection hold it open. Node's `server.close()` ends connections idle
 * at that moment but waits for the others: one with no request yet until its headers timeout
 * (60 s) — a browser's pre-opened socket, a reconnect accepted just as the close began, which
 * held a restart for a minute —, and one whose request was in flight until its keep-alive times
 * out after the answer. Requests in flight are still answered; their connection ends after it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export function dropSilentConnectionsOnClose(app: FastifyInstance): void {
  const silent = new Set<Socket>();
  let closing = false;
  app.server.on('connection', (socket: Socket) => {
    if (closing) return void socket.destroy();
    silent.add(socket);
    socket.once('close', () => silent.delete(socket));
  });
  app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    silent.delete(socket);
    res.once('finish', () => {
      if (closing) socket.end();
    });
  });
  app.server.on('upgrade', (req: IncomingMessage) => void silent.delete(req.socket));
  app.addHook('preClose', async () => {
    closing = true;
    for (const socket of silent) socket.destroy();
  });
}
