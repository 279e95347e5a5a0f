/**
 * WebSocket upgrades on the API's HTTP server: one `upgrade` listener per server, dispatching by
 * path to the endpoints registered here, 404 when none matches. (Several listeners that each
 * refuse the paths they do not know would refuse each other's.)
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiApp } from './deps.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, match: RegExpExecArray) => void;

const registries = new WeakMap<ApiApp, { pattern: RegExp; handler: UpgradeHandler }[]>();

/** Answers a handshake with an HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, body: object): void {
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}

export function onUpgrade(app: ApiApp, pattern: RegExp, handler: UpgradeHandler): void {
  let routes = registries.get(app);
  if (!routes) {
    const list: { pattern: RegExp; handler: UpgradeHandler }[] = [];
    routes = list;
    registries.set(app, list);
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      for (const route of list) {
        const match = route.pattern.exec(path);
        if (match) return route.handler(req, socket, head, match);
      }
      refuseUpgrade(socket, 404, { status: 'error', code: 'not_found', message: 'no WebSocket endpoint here' });
    };
    app.server.on('upgrade', listener);
    app.addHook('onClose', async () => {
      app.server.off('upgrade', listener);
    });
  }
  routes.push({ pattern, handler });
}
