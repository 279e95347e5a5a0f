/**
 * The CTI WebSocket endpoint on the API's own HTTP server:
 *   ws://host/api/cti/ws/agents/<agentId>        an agent desktop
 *   ws://host/api/cti/ws/supervisors/<id>        a supervisor console
 * The handshake is authorised by the matching REST state route (`GET /api/cti/agents/<id>` or
 * `/api/cti/supervisors/<id>`), run through `inject` with the handshake's credentials, so the
 * same auth hook and route `config.auth` decide who may open which session.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import type { ApiApp } from '../api/deps.js';
import type { EventHub } from '../api/eventHub.js';
import { onUpgrade, refuseUpgrade, webSocketServer } from '../api/upgrade.js';
import type { CtiDeps, SessionRole } from './commands.js';
import { startSession } from './session.js';

const WS_PATH = /^\/api\/cti\/ws\/(agents|supervisors)\/([^/]+)$/;
const CREDENTIAL_HEADERS = ['x-api-key', 'authorization'] as const;

/**
 * Runs `accept` when the REST state route of `kind`/`session` (`agents` or `supervisors`) answers
 * 200 to the handshake's credentials; otherwise refuses the handshake with that route's answer.
 * Shared with the CTI agent-session protocol endpoint (src/compat/ctiSession).
 */
export function authorizeUpgrade(app: ApiApp, req: IncomingMessage, socket: Duplex, kind: 'agents' | 'supervisors', session: string, logger: Logger, accept: () => void): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const name of CREDENTIAL_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  app
    .inject({ method: 'GET', url: `/api/cti/${kind}/${encodeURIComponent(session)}${url.search}`, headers })
    .then((res) => (res.statusCode === 200 ? accept() : refuseUpgrade(socket, res.statusCode, res.json() as object)))
    .catch((err: unknown) => {
      logger.error({ err }, 'CTI handshake failed');
      refuseUpgrade(socket, 500, { status: 'error', code: 'internal', message: 'internal error' });
    });
}

/**
 * A WebSocket server for upgrades on the API server, its sockets ended when the API closes:
 * before the HTTP server closes (preClose), as that waits for every connection, upgraded ones too.
 */
export function closingWithApp(app: ApiApp): WebSocketServer {
  // The API's limits (message size, error listener) apply: src/api/upgrade.ts.
  const wss = webSocketServer(app);
  app.addHook('preClose', async () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  });
  return wss;
}

export function attachCtiWebSocket(app: ApiApp, deps: CtiDeps, hub: EventHub, logger: Logger): void {
  const wss = closingWithApp(app);
  onUpgrade(app, WS_PATH, (req, socket, head, match) => {
    const [, kind, rawSession] = match;
    const session = decodeURIComponent(rawSession!);
    const role: SessionRole = kind === 'agents' ? 'agent' : 'supervisor';
    authorizeUpgrade(app, req, socket, kind as 'agents' | 'supervisors', session, logger, () =>
      wss.handleUpgrade(req, socket, head, (ws) => startSession({ ws, session, role, deps, hub, logger })),
    );
  }, { countSessions: true });
}
