/**
 * The narrow patches that make ari-client 2.2.0 safe to supervise and cheap to listen to. Each
 * one exists because of a trait of that version (see the comments); none changes what goes over
 * the wire.
 */
import type { AriSocket, Client } from 'ari-client';

export interface SocketHooks {
  /** The WebSocket is open; runs before any message of this socket is processed. */
  onOpen(): void;
  /** The WebSocket failed or closed (may be called twice: error then close). */
  onLost(reason: string): void;
  /** One event as Asterisk sent it (parsed JSON, nothing added). */
  onEvent(raw: unknown): void;
  /** A message that is not JSON, or that `onEvent` threw on (dropped). */
  onUnprocessable(err: unknown): void;
}

/** Call right after `client.start(app)`: ari-client creates its WebSocket synchronously there. */
export function superviseSocket(client: Client, hooks: SocketHooks): AriSocket {
  const ws = client._ws;
  if (!ws) throw new Error('ari-client did not create a WebSocket');
  // ari-client reconnects by itself (and gives up after ~10 tries) unless it thinks the close was
  // on purpose. Marking every close as on purpose, before its own listeners run, leaves
  // reconnecting to our supervisor and keeps a dead client from coming back to life.
  ws.prependListener('error', (err: Error) => {
    client._wsClosed = true;
    hooks.onLost(`socket error: ${err.message}`);
  });
  ws.prependListener('close', (code: number) => {
    client._wsClosed = true;
    hooks.onLost(`socket closed (code ${code})`);
  });
  ws.once('open', () => hooks.onOpen());
  // ari-client turns every event into Channel/Bridge objects with one bound method per REST
  // operation (lodash, ~13% of the engine's CPU at 20 calls/s) and throws on event types missing
  // from its events.json. The engine reads only the raw JSON (normalize-event.ts), so the socket's
  // messages go straight to it and ari-client's handler is taken off.
  ws.removeAllListeners('message');
  ws.on('message', (data: unknown) => {
    try {
      hooks.onEvent(JSON.parse(String(data)));
    } catch (err) {
      hooks.onUnprocessable(err);
    }
  });
  return ws;
}

const WS_OPEN = 1;
const WS_CLOSED = 3;
/** How long a stop waits for Asterisk to answer its close frame before cutting the socket. */
const CLOSE_HANDSHAKE_MS = 1_000;

/**
 * Tears a client down for good: no more events, no socket, no timers. `graceful` (a stop): an open
 * socket is closed with a close frame, and cut only if Asterisk has not answered it within a
 * second; resolves once the socket is closed. Otherwise (a failed or lost connection) it is cut.
 */
export function disposeClient(client: Client, graceful = false): Promise<void> {
  client.removeAllListeners();
  const ws = client._ws;
  if (!ws) return Promise.resolve();
  client._wsClosed = true;
  ws.removeAllListeners('message');
  // 'error' listeners stay: an error emitted without a listener would throw.
  if (ws.readyState === WS_CLOSED) return Promise.resolve();
  if (!graceful || ws.readyState !== WS_OPEN) {
    ws.terminate();
    return Promise.resolve();
  }
  // An abrupt close is what Asterisk logs as "Web socket closed abruptly"; its app then goes
  // through the path of asterisk/asterisk#1201 (bridges deleted after the app came back), under
  // which the bench's Asterisk 22.10.1 crashed once (docs/operations.md).
  return new Promise((closed) => {
    const cut = setTimeout(() => ws.terminate(), CLOSE_HANDSHAKE_MS);
    ws.once('close', () => {
      clearTimeout(cut);
      closed();
    });
    ws.close(1000);
  });
}
