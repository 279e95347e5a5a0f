/**
 * The CTI agent-session protocol endpoint on the API's HTTP server:
 *   ws://host/cti/session/<agentId>
 * The session id is the agent id; its one telephony channel is `<agentId>.voice`. Who may open
 * it is decided like the native CTI socket's (`GET /api/cti/agents/<agentId>` with the
 * handshake's credentials: an agent key for itself, staff for anyone).
 */
import type { Logger } from 'pino';
import type { ApiApp } from '../../api/deps.js';
import type { EventHub } from '../../api/eventHub.js';
import { onUpgrade } from '../../api/upgrade.js';
import { authorizeUpgrade, closingWithApp } from '../../cti/wsServer.js';
import { startCtiSession, type CtiSessionDeps } from './session.js';

const WS_PATH = /^\/cti\/session\/([^/]+)$/;

export function attachCtiSessionWebSocket(app: ApiApp, deps: CtiSessionDeps, hub: EventHub, logger: Logger): void {
  const wss = closingWithApp(app);
  onUpgrade(app, WS_PATH, (req, socket, head, match) => {
    const session = decodeURIComponent(match[1]!);
    authorizeUpgrade(app, req, socket, 'agents', session, logger, () =>
      wss.handleUpgrade(req, socket, head, (ws) => startCtiSession({ ws, session, deps, hub, logger })),
    );
  }, { countSessions: true });
}
