/**
 * ARI REST without ari-client: one request is one HTTP exchange over a bounded keep-alive pool,
 * with the Basic auth header built once. Measured on a real Asterisk (docs/performance.md),
 * ari-client's REST path (swagger-client, bluebird, lodash, a Basic header rebuilt with a
 * deprecated `Buffer()` per request, a new connection per request under load) cost about a third
 * of the engine's CPU and let the engine open up to 47 of Asterisk's 100 HTTP sessions, each one a
 * thread in Asterisk. ari-client stays for what it does well: the WebSocket and its events.
 */
import { Agent, request } from 'node:http';
import { PbxError } from '../port.js';
import { classifyAriError } from './errors.js';

export interface AriRestOptions {
  /** ARI base URL, e.g. `http://127.0.0.1:8088`; requests go to `<url>/ari/...`. */
  url: string;
  username: string;
  password: string;
  /** Bound on each request, from its send (waiting for a free connection included); past it the request fails as `unavailable`. */
  timeoutMs: number;
  /** Keep-alive connections at most (Asterisk allows 100 HTTP sessions in all, one thread each). */
  maxSockets: number;
  /** How long a connection waits for the answer to a request that timed out before it is closed (default 6 × timeoutMs). */
  abandonAfterMs?: number;
}

const IDLE_SOCKET_MS = 4_000;

/**
 * Keep-alive connections to ARI by default. 16 was too few past ~150 calls/s on a real Asterisk
 * (5 requests per call): requests queued in the pool, answers were bridged seconds late and the
 * run collapsed; 48 held 200 calls/s with 0 failed (docs/performance.md). Idle ones close after
 * 4 s, so a quiet engine holds few of Asterisk's 100 sessions.
 */
export const DEFAULT_ARI_CONNECTIONS = 48;

export type Query = Record<string, string | number | boolean | undefined>;

export class AriRest {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly basePath: string;
  private readonly authorization: string;

  constructor(private readonly options: AriRestOptions) {
    const base = new URL(options.url);
    if (base.protocol !== 'http:') throw new Error(`ARI URL must be http:// (got ${base.protocol})`);
    this.host = base.hostname;
    this.port = Number(base.port || 80);
    this.basePath = `${base.pathname.replace(/\/+$/, '')}/ari`;
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    // Idle connections are closed before the server does (Asterisk: 15 s; a Node server, e.g. the simulator: 5 s).
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, scheduling: 'lifo', timeout: IDLE_SOCKET_MS });
  }

  /** Sends one request; resolves with the parsed JSON answer (undefined for an empty one), rejects with a PbxError. */
  async send<T>(operation: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, query?: Query, body?: unknown): Promise<T> {
    const fullPath = this.basePath + path + queryString(query);
    try {
      return await this.exchange<T>(operation, method, fullPath, body);
    } catch (err) {
      // The server closed an idle kept-alive connection just as we reused it: the request never reached it.
      if (!(err instanceof StaleSocketError)) throw err;
      return this.exchange<T>(operation, method, fullPath, body);
    }
  }

  private exchange<T>(operation: string, method: string, fullPath: string, body: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { authorization: this.authorization };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise<T>((resolve, reject) => {
      let abandon: NodeJS.Timeout | undefined;
      const req = request(
        { agent: this.agent, host: this.host, port: this.port, method, path: fullPath, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (err) => reject(new PbxError('unavailable', 0, err.message, operation)));
          res.on('end', () => {
            clearTimeout(deadline);
            clearTimeout(abandon);
            try {
              resolve(readAriAnswer<T>(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), operation));
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      // The deadline runs from the send, so a request waiting for a free connection is bounded too.
      // One still waiting is dropped (Asterisk never saw it). One in flight keeps its connection
      // until its late answer (then the connection serves the next request): closing it would not
      // stop Asterisk's thread working on it, and the pool would open a new one, so a stalled
      // Asterisk would see ever more of its 100 sessions taken by us.
      const deadline = setTimeout(() => {
        reject(new PbxError('unavailable', 0, `no answer within ${this.options.timeoutMs} ms`, operation));
        if (!req.socket) return req.destroy();
        abandon = setTimeout(() => req.destroy(), this.options.abandonAfterMs ?? 6 * this.options.timeoutMs).unref();
      }, this.options.timeoutMs).unref();
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(deadline);
        clearTimeout(abandon);
        if (req.reusedSocket && err.code === 'ECONNRESET') reject(new StaleSocketError());
        else reject(new PbxError('unavailable', 0, err.message, operation));
      });
      req.end(payload);
    });
  }

  /** Closes the pooled connections. */
  close(): void {
    this.agent.destroy();
  }
}

class StaleSocketError extends Error {}

/** An ARI answer, over HTTP or the WebSocket (wsRest.ts): its parsed JSON (undefined when empty), or the PbxError of its status. */
export function readAriAnswer<T>(status: number, text: string, operation: string): T {
  if (status >= 400 || status === 0) throw classifyAriError(status, text, operation);
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new PbxError('server', status, `unreadable answer: ${text.slice(0, 200)}`, operation);
  }
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) if (value !== undefined) parts.push(`${key}=${encodeURIComponent(String(value))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** A path segment (channel, bridge, playback, recording id). */
export const seg = (value: string): string => encodeURIComponent(value);
