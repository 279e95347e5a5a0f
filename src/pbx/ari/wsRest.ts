/**
 * ARI REST over the event WebSocket (Asterisk 20.14, 21.9, 22.4 and later): a request is one
 * `RESTRequest` message, its answer one `RESTResponse` on the same socket, matched by
 * `request_id`. No HTTP exchange per request: no header building and parsing on either side, no
 * connection pool, and no Asterisk HTTP thread woken per request (docs/performance.md).
 */
import { PbxError } from '../port.js';
import { readAriAnswer, type Query } from './rest.js';

interface Pending {
  resolve(value: unknown): void;
  reject(err: PbxError): void;
  timer: NodeJS.Timeout;
  operation: string;
}

/** The RESTResponse fields read here (Asterisk sends more). */
interface RestResponse {
  request_id?: unknown;
  status_code?: unknown;
  message_body?: unknown;
}

export class WsRest {
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;

  constructor(private readonly timeoutMs: number) {}

  /** Requests sent and not answered yet. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends one request with `write` (the socket's send); rejects as `unavailable` past the deadline. */
  send<T>(write: (text: string) => void, operation: string, method: string, path: string, query?: Query, body?: unknown): Promise<T> {
    const requestId = `r${(this.nextId += 1)}`;
    const message: Record<string, unknown> = { type: 'RESTRequest', request_id: requestId, method, uri: path.slice(1) };
    if (query) {
      const strings: { name: string; value: string }[] = [];
      for (const [name, value] of Object.entries(query)) if (value !== undefined) strings.push({ name, value: String(value) });
      if (strings.length > 0) message.query_strings = strings;
    }
    if (body !== undefined) {
      message.content_type = 'application/json';
      message.message_body = JSON.stringify(body);
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new PbxError('unavailable', 0, `no answer within ${this.timeoutMs} ms`, operation));
      }, this.timeoutMs).unref();
      this.pending.set(requestId, { resolve: resolve as (value: unknown) => void, reject, timer, operation });
      try {
        write(JSON.stringify(message));
      } catch (err) {
        this.settle(requestId)?.reject(new PbxError('unavailable', 0, err instanceof Error ? err.message : String(err), operation));
      }
    });
  }

  /** A RESTResponse from the socket: settles its request (an unknown or late one is ignored). */
  onResponse(raw: RestResponse): void {
    const request = typeof raw.request_id === 'string' ? this.settle(raw.request_id) : undefined;
    if (!request) return;
    const status = typeof raw.status_code === 'number' ? raw.status_code : 0;
    const text = typeof raw.message_body === 'string' ? raw.message_body : '';
    try {
      request.resolve(readAriAnswer(status, text, request.operation));
    } catch (err) {
      request.reject(err as PbxError);
    }
  }

  /** The socket is gone: every request still waiting fails now (whether Asterisk carried it out is unknown, as with a lost HTTP connection). */
  failAll(reason: string): void {
    for (const [id, request] of this.pending) {
      this.settle(id);
      request.reject(new PbxError('unavailable', 0, reason, request.operation));
    }
  }

  private settle(requestId: string): Pending | undefined {
    const request = this.pending.get(requestId);
    if (!request) return undefined;
    this.pending.delete(requestId);
    clearTimeout(request.timer);
    return request;
  }
}
