/**
 * ari-client 2.2.0 traits the adapter must contain, reproduced with a bare ARI endpoint (our
 * api-docs + a WebSocket that sends what the test says). Behaviour with the full simulator is in
 * ari-adapter.test.ts.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { isPbxError, type Pbx } from '../../src/pbx/port.js';
import { waitUntil } from '../api/waitUntil.js';
import { recordEvents, testPbx } from './pbx-harness.js';

const DOCS = fileURLToPath(new URL('../../src/sim/api-docs/', import.meta.url));
const AUTH = `Basic ${Buffer.from('asterisk:secret').toString('base64')}`;

interface BareAri {
  url: string;
  sockets: Set<WebSocket>;
  connections: number;
  docRequests: number;
  send(event: object): void;
  sendRaw(text: string): void;
  close(): Promise<void>;
}

/** `refuseUpgrades`: how many WebSocket upgrades to answer 503 before accepting; `autoPong: false` plays a dead peer. */
async function bareAri({ refuseUpgrades = 0, autoPong = true } = {}): Promise<BareAri> {
  const state = { connections: 0, docRequests: 0, upgrades: 0 };
  const sockets = new Set<WebSocket>();
  const server: Server = createServer((req, res) => {
    const doc = /^\/ari\/api-docs\/(\w+)\.json$/.exec(req.url ?? '')?.[1];
    if (!doc) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not found"}');
      return;
    }
    state.docRequests += 1;
    if (req.headers.authorization !== AUTH) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"Authentication required"}');
      return;
    }
    const { port } = server.address() as AddressInfo;
    const body = readFileSync(`${DOCS}${doc}.json`, 'utf8').replace('http://localhost:8088/ari', `http://127.0.0.1:${port}/ari`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const wss = new WebSocketServer({
    server,
    path: '/ari/events',
    autoPong,
    verifyClient: (_info, accept) => {
      state.upgrades += 1;
      accept(state.upgrades > refuseUpgrades, 503);
    },
  });
  wss.on('connection', (ws) => {
    state.connections += 1;
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    get connections() {
      return state.connections;
    },
    get docRequests() {
      return state.docRequests;
    },
    send: (event) => {
      for (const ws of sockets) ws.send(JSON.stringify({ timestamp: '2026-11-21T07:48:38.626+0000', application: 'acd', ...event }));
    },
    sendRaw: (text) => {
      for (const ws of sockets) ws.send(text);
    },
    close: async () => {
      for (const ws of sockets) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ari-client quirks contained by the adapter', () => {
  const cleanups: Array<() => Promise<void>> = [];
  const track = <T extends Pbx | BareAri>(thing: T): T => {
    cleanups.push(() => ('stop' in thing ? thing.stop() : thing.close()));
    return thing;
  };
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('reads events without ari-client: unknown types, types whose api-docs are not loaded and non-JSON messages are dropped, delivery goes on', async () => {
    const ari = track(await bareAri());
    const pbx = track(testPbx(ari.url));
    const log = recordEvents(pbx);
    await pbx.start();
    ari.send({ type: 'SomethingFromAsterisk99', channel: { id: 'c0' } });
    // deviceStates.json is not loaded (ari-client's own handler threw on it); not an event the engine reads.
    ari.send({ type: 'DeviceStateChanged', device_state: { name: 'Custom:x', state: 'INUSE' } });
    ari.sendRaw('{"type": "StasisStart", "chan');
    // ari-client's handler would throw on this one (no event model for a missing type).
    ari.send({ channel: { id: 'c2' } });
    // endpoints.json is loaded (device state for ringInUse): this one goes through.
    ari.send({ type: 'EndpointStateChange', endpoint: { technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: [] } });
    ari.send({ type: 'StasisEnd', channel: { id: 'c1' } });
    await expect(log.waitFor('channelLeftApp')).resolves.toEqual({ type: 'channelLeftApp', channelId: 'c1' });
    expect(log.types()).toEqual(['connected', 'endpointStateChanged', 'channelLeftApp']);
    expect(pbx.connected).toBe(true);
  });

  it('reconnects with its own loop after the socket dies, with exactly one new socket', async () => {
    const ari = track(await bareAri());
    const pbx = track(testPbx(ari.url));
    const log = recordEvents(pbx);
    await pbx.start();
    for (const ws of ari.sockets) ws.terminate();
    await log.waitFor('connected', (e) => e.reconnect);
    // Kept: ari-client's own retry (100 ms backoff) would have opened a second socket by now; its absence has no event to wait for.
    await sleep(300);
    expect(ari.connections).toBe(2);
    expect(ari.sockets.size).toBe(1);
    expect(log.types()).toEqual(['connected', 'disconnected', 'connected']);
  });

  it('a socket that fails while opening leaves no ari-client retry behind to connect later', async () => {
    const ari = track(await bareAri({ refuseUpgrades: 2 }));
    const pbx = track(testPbx(ari.url));
    await pbx.start();
    // Kept: ari-client would retry a refused upgrade after 100, 200 ms on the same, abandoned client; its absence has no event.
    await sleep(400);
    expect(ari.sockets.size).toBe(1);
    expect(ari.connections).toBe(1);
  });

  it('treats a socket that stops answering pings as lost', async () => {
    const ari = track(await bareAri({ autoPong: false }));
    const pbx = track(testPbx(ari.url, { heartbeatMs: 50 }));
    const log = recordEvents(pbx);
    await pbx.start();
    await expect(log.waitFor('disconnected', undefined, 2_000)).resolves.toEqual({ type: 'disconnected', reason: 'no pong within 50 ms' });
    await log.waitFor('connected', (e) => e.reconnect, 2_000);
  });

  it('keeps retrying on wrong credentials without crashing, and stop() ends start() with unavailable', async () => {
    const ari = track(await bareAri());
    const pbx = testPbx(ari.url, { password: 'wrong' });
    const started = pbx.start();
    await waitUntil(() => ari.docRequests >= 2, 'a second try');
    expect(pbx.connected).toBe(false);
    await expect(pbx.answer('c1')).rejects.toSatisfy((e) => isPbxError(e, 'unavailable'));
    await pbx.stop();
    await expect(started).rejects.toSatisfy((e) => isPbxError(e, 'unavailable'));
    const requestsAfterStop = ari.docRequests;
    await sleep(200); // kept: longer than the retry delay, so a retry after stop() would show; its absence has no event
    expect(ari.docRequests).toBe(requestsAfterStop);
  });
});
