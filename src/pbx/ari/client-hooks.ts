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

const WS_CLOSED = 3;

/** Tears a client down for good: no more events, no socket, no timers. */
export function disposeClient(client: Client): void {
  client.removeAllListeners();
  const ws = client._ws;
  if (!ws) return;
  client._wsClosed = true;
  ws.removeAllListeners('message');
  // 'error' listeners stay: an error emitted without a listener would throw.
  if (ws.readyState !== WS_CLOSED) ws.terminate();
}
