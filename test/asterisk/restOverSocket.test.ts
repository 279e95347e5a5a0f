/**
 * REST over the event WebSocket on a real Asterisk 22.10.1 (src/pbx/ari/wsRest.ts): the adapter
 * finds at connect that Asterisk answers there and sends its requests over the socket, not over
 * HTTP, at most two in flight there (one made while two are goes over HTTP); errors read as
 * over HTTP. The engine's default (ARI_REST_TRANSPORT, src/config.ts); the adapter given no
 * transport keeps every request on HTTP. A TCP proxy in front of
 * Asterisk shows which requests went over HTTP (a WebSocket frame from a client is masked, so a
 * request sent over the socket never shows as plain text there).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAriPbx, type AriPbx, type AriRestTransport } from '../../src/pbx/ari/index.js';
import { isPbxError } from '../../src/pbx/port.js';
import { countingProxy, httpRequestsIn, silentLogger } from '../pbx/pbx-harness.js';
import { waitFor } from '../helpers/acdHarness.js';
import { startAsterisk, type Asterisk } from '../helpers/asterisk.js';

let ast: Asterisk;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  ast = await startAsterisk('restOverSocket');
}, 120_000);

afterAll(async () => {
  await ast?.stop();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function adapter(app: string, restTransport?: AriRestTransport): Promise<{ pbx: AriPbx; httpRequests: () => string[] }> {
  const proxy = await countingProxy(ast.ariUrl);
  cleanups.push(proxy.close);
  const pbx = createAriPbx({ url: proxy.url, username: ast.username, password: ast.password, app, logger: silentLogger, restTransport });
  cleanups.push(() => pbx.stop());
  await pbx.start();
  const httpRequests = () => httpRequestsIn(proxy.sent);
  return { pbx, httpRequests };
}

describe('ARI REST over the WebSocket on Asterisk 22', () => {
  it('sends requests over the event socket once Asterisk answered there, with the answers and errors of HTTP', async () => {
    const { pbx, httpRequests } = await adapter('restws-on', 'websocket');
    await waitFor(() => pbx.restOverSocket, 'REST over the WebSocket');

    await pbx.createBridge({ bridgeId: 'restws-b1', name: 'restws' });
    expect((await ast.ari<{ id: string }[]>('GET', '/bridges')).body.map((b) => b.id)).toContain('restws-b1');
    const channel = await pbx.createChannel({ endpoint: 'Local/1001@agents', channelId: 'restws-leg1', otherChannelId: 'restws-leg1;2', appArgs: ['test'] });
    expect(channel).toMatchObject({ id: 'restws-leg1' });
    // An escaped path segment (the `;` of a Local channel's half) is decoded as over HTTP: found, not a 404.
    await pbx.hangup('restws-leg1;2');
    await pbx.hangup('restws-leg1');
    await pbx.destroyBridge('restws-b1');
    await expect(pbx.hangup('restws-missing')).rejects.toSatisfy((err) => isPbxError(err, 'not_found'));

    // Over HTTP: ari-client's connect (api-docs, the socket's upgrade) and what went before the socket answered (the event filter, maybe).
    expect(httpRequests().filter((r) => !/^(GET \/ari\/api-docs\/|GET \/ari\/events$|PUT \/ari\/applications\/restws-on\/eventFilter$)/.test(r))).toEqual([]);
  });

  it('sends a request over HTTP while two are in flight on the socket: none waits behind more than one other there', async () => {
    const { pbx, httpRequests } = await adapter('restws-busy', 'websocket');
    await waitFor(() => pbx.restOverSocket, 'REST over the WebSocket');
    const before = httpRequests().length;
    const counted = { ...pbx.restRequests };
    const ids = ['restws-busy-1', 'restws-busy-2', 'restws-busy-3', 'restws-busy-4'];
    await Promise.all(ids.map((bridgeId) => pbx.createBridge({ bridgeId, name: 'restws-busy' })));
    // The first two went over the socket; the two made while they were in flight, over HTTP.
    expect(httpRequests().slice(before).sort()).toEqual(['POST /ari/bridges/restws-busy-3', 'POST /ari/bridges/restws-busy-4']);
    expect(pbx.restRequests).toEqual({ websocket: counted.websocket + 2, http: counted.http + 2 });
    // Two at a time: all over the socket again.
    await Promise.all(ids.slice(0, 2).map((id) => pbx.destroyBridge(id)));
    await Promise.all(ids.slice(2).map((id) => pbx.destroyBridge(id)));
    expect(httpRequests().slice(before + 2)).toEqual([]);
    expect((await ast.ari<{ id: string }[]>('GET', '/bridges')).body.map((b) => b.id).filter((id) => ids.includes(id))).toEqual([]);
  });

  it('lists over HTTP: an answer of more than ~450 KB over the socket kills Asterisk 22.10.1', async () => {
    const { pbx, httpRequests } = await adapter('restws-big', 'websocket');
    await waitFor(() => pbx.restOverSocket, 'REST over the WebSocket');
    // ~225 bytes per bridge in GET /bridges: 3,000 make ~675 KB (over the socket: a segfault, checked).
    const ids = Array.from({ length: 3_000 }, (_, i) => `restws-big-${i}`);
    cleanups.push(async () => {
      for (let i = 0; i < ids.length; i += 100) await Promise.all(ids.slice(i, i + 100).map((id) => pbx.destroyBridge(id).catch(() => undefined)));
    });
    for (let i = 0; i < ids.length; i += 100) await Promise.all(ids.slice(i, i + 100).map((bridgeId) => pbx.createBridge({ bridgeId, name: 'restws-big' })));

    expect((await pbx.listBridges()).filter((b) => b.id.startsWith('restws-big-'))).toHaveLength(ids.length);
    await pbx.listChannels();
    await pbx.appChannelIds();
    expect(httpRequests()).toEqual(expect.arrayContaining(['GET /ari/bridges', 'GET /ari/channels', 'GET /ari/applications/restws-big']));
    // Asterisk is still there, and the socket still carries the other requests.
    expect((await ast.ari('GET', '/asterisk/ping')).status).toBe(200);
    await pbx.destroyBridge(ids.pop()!);
    expect(httpRequests()).not.toContain('DELETE /ari/bridges/restws-big-2999');
  }, 120_000);

  it('keeps every request on HTTP by default', async () => {
    const { pbx, httpRequests } = await adapter('restws-http');
    await pbx.createBridge({ bridgeId: 'restws-b2', name: 'restws' });
    await pbx.destroyBridge('restws-b2');
    expect(pbx.restOverSocket).toBe(false);
    expect(httpRequests()).toEqual(expect.arrayContaining(['POST /ari/bridges/restws-b2', 'DELETE /ari/bridges/restws-b2']));
  });
});
