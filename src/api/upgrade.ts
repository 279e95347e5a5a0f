/**
 * WebSocket upgrades on the API's HTTP server: one `upgrade` listener per server, dispatching by
 * path to the endpoints registered here, 404 when none matches. (Several listeners that each
 * refuse the paths they do not know would refuse each other's.)
 *
 * Limits for every endpoint live here too: `webSocketServer(app)` gives a server whose clients
 * may send messages of at most `maxPayload` bytes (ws closes with 1009 beyond it), and endpoints
 * registered with `countSessions` count each open socket in the stream cap of the API key its
 * handshake presents (429 at the cap), released when the socket closes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { isAcdError } from '../domain/errors.js';
import type { ApiApp } from './deps.js';
import type { StreamCap } from './streamCap.js';

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, match: RegExpExecArray) => void;

export interface UpgradeLimits {
  maxPayload: number;
  cap: StreamCap;
  /** The name of the credential a handshake presents (its API key), undefined when none is valid. */
  credentialOf(req: IncomingMessage): string | undefined;
}

interface Route {
  pattern: RegExp;
  handler: UpgradeHandler;
  countSessions: boolean;
}

const registries = new WeakMap<ApiApp, Route[]>();
const limitsOf = new WeakMap<ApiApp, UpgradeLimits>();

/** Set once by buildApi, before any endpoint is registered. */
export function configureUpgrades(app: ApiApp, limits: UpgradeLimits): void {
  limitsOf.set(app, limits);
}

/**
 * A client breaking a limit (too large a message, a bad frame) makes ws emit `error` on the
 * socket and then close it (1009, 1002...): every socket gets a listener, since an unheard
 * `error` would throw and stop the process.
 */
class GuardedWebSocketServer extends WebSocketServer {
  override handleUpgrade(...[req, socket, head, done]: Parameters<WebSocketServer['handleUpgrade']>): void {
    super.handleUpgrade(req, socket, head, (ws, request) => {
      ws.on('error', () => undefined);
      done(ws, request);
    });
  }
}

/** A `noServer` WebSocket server with the configured message size limit. */
export function webSocketServer(app: ApiApp): WebSocketServer {
  return new GuardedWebSocketServer({ noServer: true, ...(limitsOf.has(app) ? { maxPayload: limitsOf.get(app)!.maxPayload } : {}) });
}

/** Answers a handshake with an HTTP error and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, body: object): void {
  const text = JSON.stringify(body);
  socket.end(`HTTP/1.1 ${status} Refused\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
}

/** Counts the socket under its handshake's credential; false when refused (429 sent). */
function countSession(limits: UpgradeLimits | undefined, req: IncomingMessage, socket: Duplex): boolean {
  const credential = limits?.credentialOf(req);
  // No valid key: the endpoint's own authorization refuses the handshake.
  if (!limits || credential === undefined) return true;
  try {
    socket.once('close', limits.cap.acquire(credential));
    return true;
  } catch (err) {
    if (!isAcdError(err)) throw err;
    refuseUpgrade(socket, err.status, { status: 'error', code: err.code, message: err.message });
    return false;
  }
}

export function onUpgrade(app: ApiApp, pattern: RegExp, handler: UpgradeHandler, options: { countSessions?: boolean } = {}): void {
  let routes = registries.get(app);
  if (!routes) {
    const list: Route[] = [];
    routes = list;
    registries.set(app, list);
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      for (const route of list) {
        const match = route.pattern.exec(path);
        if (!match) continue;
        if (route.countSessions && !countSession(limitsOf.get(app), req, socket)) return;
        return route.handler(req, socket, head, match);
      }
      refuseUpgrade(socket, 404, { status: 'error', code: 'not_found', message: 'no WebSocket endpoint here' });
    };
    app.server.on('upgrade', listener);
    app.addHook('onClose', async () => {
      app.server.off('upgrade', listener);
    });
  }
  routes.push({ pattern, handler, countSessions: options.countSessions ?? false });
}
