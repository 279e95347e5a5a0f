/**
 * The CTI WebSocket endpoint on the API's own HTTP server:
 *   ws://host/api/cti/ws/agents/<agentId>        an agent desktop
 *   ws://host/api/cti/ws/supervisors/<id>        a supervisor console
 * The handshake is authorised by the matching REST state route (`GET /api/cti/agents/<id>` or
 * `/api/cti/supervisors/<id>`), run through `inject` with the handshake's credentials, so the
 * same auth hook and route `config.auth` decide who may open which session.
 */
import type { Logger } from 'pino';
import type { ApiApp } from '../api/deps.js';
import type { EventHub } from '../api/eventHub.js';
import { onUpgrade, refuseUpgrade, webSocketServer } from '../api/upgrade.js';
import type { CtiDeps, SessionRole } from './commands.js';
import { startSession } from './session.js';

const WS_PATH = /^\/api\/cti\/ws\/(agents|supervisors)\/([^/]+)$/;
const CREDENTIAL_HEADERS = ['x-api-key', 'authorization'] as const;

export function attachCtiWebSocket(app: ApiApp, deps: CtiDeps, hub: EventHub, logger: Logger): void {
  const wss = webSocketServer(app);
  onUpgrade(app, WS_PATH, (req, socket, head, match) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, kind, rawSession] = match;
    const session = decodeURIComponent(rawSession!);
    const headers: Record<string, string> = {};
    for (const name of CREDENTIAL_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    app
      .inject({ method: 'GET', url: `/api/cti/${kind}/${encodeURIComponent(session)}${url.search}`, headers })
      .then((res) => {
        if (res.statusCode !== 200) return refuseUpgrade(socket, res.statusCode, res.json() as object);
        const role: SessionRole = kind === 'agents' ? 'agent' : 'supervisor';
        wss.handleUpgrade(req, socket, head, (ws) => startSession({ ws, session, role, deps, hub, logger }));
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'CTI handshake failed');
        refuseUpgrade(socket, 500, { status: 'error', code: 'internal', message: 'internal error' });
      });
  }, { countSessions: true });
  // preClose: the HTTP server's close waits for open sockets, upgraded ones included.
  app.addHook('preClose', async () => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  });
}
