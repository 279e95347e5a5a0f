/**
 * The thin ARI REST client: a bounded keep-alive pool (Asterisk gives all clients 100 HTTP
 * sessions, one thread each), Basic auth on every request, ARI errors as PbxError.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isPbxError } from '../../src/pbx/port.js';
import { AriRest } from '../../src/pbx/ari/rest.js';

let server: Server | undefined;
let rest: AriRest | undefined;
afterEach(async () => {
  rest?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, body: string) => { status: number; body?: string }): Promise<{ url: string; sockets: Set<unknown> }> {
  const sockets = new Set<unknown>();
  server = createServer((req, res) => {
    sockets.add(req.socket);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const answer = handler(req, body);
      // A little latency so that concurrent requests really overlap.
      setTimeout(() => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body ?? ''), 5);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, sockets };
}

describe('ARI REST client', () => {
  it('sends many concurrent requests over at most maxSockets kept-alive connections, each with the auth header', async () => {
    const seen: { auth?: string; path?: string }[] = [];
    const { url, sockets } = await serve((req) => {
      seen.push({ auth: req.headers.authorization, path: req.url });
      return { status: 204 };
    });
    rest = new AriRest({ url, username: 'acd', password: 'secret', timeoutMs: 5_000, maxSockets: 4 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => rest!.send('channels.answer', 'POST', `/channels/c${i}/answer`)));
    await rest.send('channels.answer', 'POST', '/channels/last/answer');
    expect(seen).toHaveLength(41);
    expect(sockets.size).toBeLessThanOrEqual(4);
    expect(new Set(seen.map((s) => s.auth))).toEqual(new Set([`Basic ${Buffer.from('acd:secret').toString('base64')}`]));
    expect(seen.at(-1)?.path).toBe('/ari/channels/last/answer');
  });

  it('sends the query and a JSON body, and parses the JSON answer', async () => {
    const { url } = await serve((req, body) => ({ status: 200, body: JSON.stringify({ url: req.url, body: JSON.parse(body) as unknown }) }));
    rest = new AriRest({ url, username: 'u', password: 'p', timeoutMs: 5_000, maxSockets: 2 });
    const answer = await rest.send('channels.create', 'POST', '/channels/create', { endpoint: 'Local/1001@agents', originator: undefined, timeout: 15 }, { variables: { A: '1' } });
    expect(answer).toEqual({ url: '/ari/channels/create?endpoint=Local%2F1001%40agents&timeout=15', body: { variables: { A: '1' } } });
  });

  it('fails a request at its deadline even while it waits for a connection, and keeps a slow connection for its late answer', async () => {
    // A stalled Asterisk: answers only when told. Closing a connection would not stop its
    // thread working on the request, and a new one would take another of its 100 sessions.
    const held: (() => void)[] = [];
    const paths: string[] = [];
    const sockets = new Set<unknown>();
    server = createServer((req, res) => {
      sockets.add(req.socket);
      paths.push(req.url ?? '');
      held.push(() => res.writeHead(204).end());
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    rest = new AriRest({ url, username: 'u', password: 'p', timeoutMs: 100, maxSockets: 1 });
    const failed = await Promise.all(['a', 'b', 'c'].map((id) => rest!.send('channels.answer', 'POST', `/channels/${id}/answer`).catch((e: unknown) => e)));
    expect(failed.every((err) => isPbxError(err, 'unavailable'))).toBe(true);
    // Only the first reached the server; the two that waited for the one connection never did.
    expect(paths).toEqual(['/ari/channels/a/answer']);
    held.shift()!();
    const next = rest.send('channels.answer', 'POST', '/channels/d/answer');
    await vi.waitFor(() => expect(held).toHaveLength(1));
    held.shift()!();
    await next;
    expect(paths).toEqual(['/ari/channels/a/answer', '/ari/channels/d/answer']);
    expect(sockets.size).toBe(1);
  });

  it('closes a connection whose timed-out request stays unanswered past abandonAfterMs', async () => {
    const closed = new Promise<void>((resolve) => {
      server = createServer((req) => req.socket.once('close', () => resolve()));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    rest = new AriRest({ url, username: 'u', password: 'p', timeoutMs: 50, maxSockets: 1, abandonAfterMs: 100 });
    const err = await rest.send('channels.answer', 'POST', '/channels/a/answer').catch((e: unknown) => e);
    expect(isPbxError(err, 'unavailable')).toBe(true);
    await closed;
  });

  it('turns an ARI error answer into a PbxError with its kind, and no server into unavailable', async () => {
    const { url } = await serve(() => ({ status: 404, body: '{"message":"Channel not found"}' }));
    rest = new AriRest({ url, username: 'u', password: 'p', timeoutMs: 5_000, maxSockets: 2 });
    const err = await rest.send('channels.get', 'GET', '/channels/x').catch((e: unknown) => e);
    expect(isPbxError(err, 'not_found') && err.message).toBe('Channel not found');
    const closed = new AriRest({ url: 'http://127.0.0.1:1', username: 'u', password: 'p', timeoutMs: 5_000, maxSockets: 1 });
    const down = await closed.send('channels.get', 'GET', '/channels/x').catch((e: unknown) => e);
    closed.close();
    expect(isPbxError(down, 'unavailable')).toBe(true);
  });
});
