/**
 * The narrow patches that make ari-client 2.2.0 safe to supervise. Each one exists because of a
 * trait of that version (see the comments); none changes what goes over the wire.
 */
import type { AriSocket, Client, SwaggerOperation } from 'ari-client';
import { AriHttpError } from './errors.js';

function toHttpError(response: unknown): AriHttpError {
  const { status, data } = (typeof response === 'object' && response !== null ? response : {}) as { status?: unknown; data?: unknown };
  return new AriHttpError(typeof status === 'number' ? status : 0, data === undefined || data === null ? '' : String(data));
}

/**
 * ari-client turns swagger-client's error response into `new Error(body)`, losing the HTTP status.
 * It looks each swagger operation up at call time, so wrapping the operations once per client
 * lets the raw response become an `AriHttpError` (status + body) before ari-client sees it.
 */
export function keepHttpStatus(client: Client): void {
  for (const resource of Object.values(client._swagger.apis)) {
    for (const nickname of Object.keys(resource.operations)) {
      const operation = resource[nickname];
      if (typeof operation !== 'function') continue;
      const call = operation as SwaggerOperation;
      const wrapped: SwaggerOperation = (args, onSuccess, onError) => call(args, onSuccess, (response) => onError(toHttpError(response)));
      resource[nickname] = wrapped;
    }
  }
}

export interface SocketHooks {
  /** The WebSocket is open; runs before any message of this socket is processed. */
  onOpen(): void;
  /** The WebSocket failed or closed (may be called twice: error then close). */
  onLost(reason: string): void;
  /** ari-client threw while processing a message (the message is dropped). */
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
  // ari-client's message handler throws on an event type missing from events.json, and on event
  // properties of resource types whose api-docs are not loaded: contain it to that one message.
  for (const listener of ws.listeners('message')) {
    ws.removeListener('message', listener as (...args: unknown[]) => void);
    ws.on('message', (...args: unknown[]) => {
      try {
        (listener as (...a: unknown[]) => void).apply(ws, args);
      } catch (err) {
        hooks.onUnprocessable(err);
      }
    });
  }
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
