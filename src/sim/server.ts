/**
 * ARI over HTTP and WebSocket: basic auth (or `api_key=user:pass`) on everything under /ari,
 * `/ari/events` upgrades to the app's event socket, `/ari/api-docs/*` serves the Swagger files
 * from disk with `basePath` pointing at this server (ari-client follows each file's basePath).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { isAriError } from './errors.js';
import type { EventHub } from './events.js';
import { decodeAriPath, parseBody, searchParamsToArgs, type AriReply, type AriRouter } from './http.js';

export interface RequestLogEntry {
  method: string;
  /** Path under /ari, decoded: `/channels/caller-1;2/answer`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  response: unknown;
  /** ms epoch */
  at: number;
}

export interface AriServerOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  apiDocsDir: string;
  router: AriRouter;
  hub: EventHub;
  logger: Logger;
  onRequest(entry: RequestLogEntry): void;
  /** A fault injected for this request (Simulator.injectFault), taken once. */
  takeFault?(method: string, path: string): RequestFault | undefined;
}

/**
 * How one REST request misbehaves: carried out late (`delayMs`: a stalled PBX), carried out at once
 * and answered late (`answerDelayMs`: a slow network; a listing then shows the PBX as it was when
 * asked), or refused with `status` (and `message`, as Asterisk words it) and not carried out.
 */
export interface RequestFault {
  method: string;
  path: RegExp;
  delayMs?: number;
  answerDelayMs?: number;
  status?: number;
  message?: string;
}

export interface AriServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const API_DOC_NAME = /^[A-Za-z0-9_-]+\.json$/;

export async function startAriServer(opts: AriServerOptions): Promise<AriServer> {
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer((req, res) => {
    handleHttp(opts, req, res).catch((err: unknown) => {
      opts.logger.error({ err, url: req.url }, 'ARI request failed');
      if (!res.headersSent) send(res, { status: 500, body: { message: 'Internal Server Error' } });
    });
  });
  server.on('upgrade', (req, socket, head) => handleUpgrade(opts, wss, req, socket, head));
  await listen(server, opts.host, opts.port);
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  return {
    url,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function authorized(opts: AriServerOptions, req: IncomingMessage, url: URL): boolean {
  const expected = `${opts.username}:${opts.password}`;
  const apiKey = url.searchParams.get('api_key');
  if (apiKey !== null) return apiKey === expected;
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return false;
  return Buffer.from(header.slice(6), 'base64').toString('utf8') === expected;
}

const UNAUTHORIZED: AriReply = {
  status: 401,
  body: { message: 'Authentication required' },
  headers: { 'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"' },
};

async function handleHttp(opts: AriServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = decodeAriPath(url.pathname);
  if (path === undefined) return send(res, { status: 404, body: { message: 'Not found' } });
  if (!authorized(opts, req, url)) return send(res, UNAUTHORIZED);
  if (path.startsWith('/api-docs/')) return send(res, await apiDoc(opts, path.slice('/api-docs/'.length), req));
  const raw = await readBody(req);
  const method = req.method ?? 'GET';
  const query = searchParamsToArgs(url.searchParams);
  delete query.api_key;
  let reply: AriReply;
  let body: unknown = null;
  const fault = opts.takeFault?.(method, path);
  if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (fault?.status) return send(res, { status: fault.status, body: { message: fault.message ?? 'Injected fault' } });
  try {
    const parsed = parseBody(raw, req.headers['content-type']);
    body = parsed.body;
    reply = opts.router.dispatch({ method, path, args: { ...query, ...parsed.args }, body });
  } catch (err) {
    if (!isAriError(err)) throw err;
    reply = { status: err.status, body: err.body };
  }
  // Audio bytes (a recording's file) are logged by their length only.
  const response = Buffer.isBuffer(reply.body) ? { bytes: reply.body.length } : (reply.body ?? null);
  opts.onRequest({ method, path, query, body, status: reply.status, response, at: Date.now() });
  if (fault?.answerDelayMs) await new Promise((resolve) => setTimeout(resolve, fault.answerDelayMs));
  send(res, reply);
}

/** One Swagger file, read at request time (another process may still be writing the folder), basePath rewritten. */
async function apiDoc(opts: AriServerOptions, name: string, req: IncomingMessage): Promise<AriReply> {
  if (!API_DOC_NAME.test(name)) return { status: 404, body: { message: 'Resource not found' } };
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(await readFile(join(opts.apiDocsDir, name), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    opts.logger.warn({ err, name }, 'api-docs file unavailable');
    return { status: 404, body: { message: 'Resource not found' } };
  }
  const host = req.headers.host ?? `${opts.host}:${opts.port}`;
  return { status: 200, body: { ...doc, basePath: `http://${host}/ari` } };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: AriReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, headers).end();
    return;
  }
  if (Buffer.isBuffer(reply.body)) {
    // Binary replies bring their own Content-Type.
    headers['Content-Length'] = String(reply.body.length);
    res.writeHead(reply.status, headers).end(reply.body);
    return;
  }
  const payload = JSON.stringify(reply.body);
  headers['Content-Type'] = 'application/json';
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers).end(payload);
}

function rejectUpgrade(socket: Duplex, status: number, message: string, extraHeaders = ''): void {
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Bad Request'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}Connection: close\r\n\r\n${body}`,
  );
}

function handleUpgrade(opts: AriServerOptions, wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (decodeAriPath(url.pathname) !== '/events') return rejectUpgrade(socket, 404, 'Not found');
  if (!authorized(opts, req, url)) return rejectUpgrade(socket, 401, 'Authentication required', 'WWW-Authenticate: Basic realm="Asterisk REST Interface"\r\n');
  const apps = (url.searchParams.get('app') ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  if (apps.length === 0) return rejectUpgrade(socket, 400, "Missing param 'app'");
  if (Date.now() < opts.hub.refusingUntil) return rejectUpgrade(socket, 503, 'Service Unavailable');
  const subscribeAll = url.searchParams.get('subscribeAll') === 'true';
  wss.handleUpgrade(req, socket, head, (ws) => {
    opts.logger.info({ apps, subscribeAll }, 'app WebSocket connected');
    opts.hub.attach(apps, ws, subscribeAll);
    ws.on('close', () => opts.hub.detach(ws));
    ws.on('error', (err) => opts.logger.warn({ err }, 'app WebSocket error'));
  });
}
