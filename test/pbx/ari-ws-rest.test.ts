/**
 * ARI REST over the event WebSocket (src/pbx/ari/wsRest.ts): the RESTRequest messages Asterisk
 * 22.10.1 answers (checked against it: `query_strings`, a JSON `message_body`, `uri` without the
 * leading slash), answers matched by request_id, ARI errors as the same PbxErrors as over HTTP.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AriPbx } from '../../src/pbx/ari/index.js';
import { isPbxError, type PbxError } from '../../src/pbx/port.js';
import { WsRest } from '../../src/pbx/ari/wsRest.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { waitFor } from '../helpers/acdHarness.js';
import { countingProxy, httpRequestsIn, testPbx } from './pbx-harness.js';

interface Sent {
  type: string;
  request_id: string;
  method: string;
  uri: string;
  query_strings?: { name: string; value: string }[];
  content_type?: string;
  message_body?: string;
}

function client(timeoutMs = 1_000): { rest: WsRest; sent: Sent[]; write: (text: string) => void } {
  const sent: Sent[] = [];
  return { rest: new WsRest(timeoutMs), sent, write: (text) => sent.push(JSON.parse(text) as Sent) };
}

const failure = (promise: Promise<unknown>): Promise<PbxError> =>
  promise.then(
    () => expect.fail('resolved'),
    (err: unknown) => {
      if (!isPbxError(err)) throw err;
      return err;
    },
  );

afterEach(() => {
  vi.useRealTimers();
});

describe('ARI REST over the WebSocket', () => {
  it('sends a request as Asterisk reads it and resolves with the parsed answer of its request_id', async () => {
    const { rest, sent, write } = client();
    const created = rest.send(write, 'channels.create', 'POST', '/channels/create', { endpoint: 'Local/1001@agents', app: 'acd', channelId: 'leg 1', skip: undefined });
    const bridged = rest.send(write, 'bridges.addChannel', 'POST', '/bridges/b1/addChannel', undefined, { channel: 'a,b' });
    expect(sent).toEqual([
      {
        type: 'RESTRequest',
        request_id: sent[0]!.request_id,
        method: 'POST',
        uri: 'channels/create',
        query_strings: [
          { name: 'endpoint', value: 'Local/1001@agents' },
          { name: 'app', value: 'acd' },
          { name: 'channelId', value: 'leg 1' },
        ],
      },
      { type: 'RESTRequest', request_id: sent[1]!.request_id, method: 'POST', uri: 'bridges/b1/addChannel', content_type: 'application/json', message_body: '{"channel":"a,b"}' },
    ]);
    expect(sent[0]!.request_id).not.toBe(sent[1]!.request_id);
    // Answered out of order: each answer settles its own request.
    rest.onResponse({ request_id: sent[1]!.request_id, status_code: 204, message_body: '' });
    rest.onResponse({ request_id: sent[0]!.request_id, status_code: 200, message_body: '{"id":"leg 1","state":"Down"}' });
    await expect(bridged).resolves.toBeUndefined();
    await expect(created).resolves.toEqual({ id: 'leg 1', state: 'Down' });
  });

  it('turns ARI errors into the PbxErrors of the HTTP client', async () => {
    const { rest, sent, write } = client();
    const gone = rest.send(write, 'channels.hangup', 'DELETE', '/channels/nope');
    const notInStasis = rest.send(write, 'channels.dial', 'POST', '/channels/p1/dial');
    rest.onResponse({ request_id: sent[0]!.request_id, status_code: 404, message_body: '{"message":"Channel not found"}' });
    rest.onResponse({ request_id: sent[1]!.request_id, status_code: 409, message_body: '{"message":"Channel not in Stasis application"}' });
    expect(await failure(gone)).toMatchObject({ kind: 'not_found', status: 404, operation: 'channels.hangup', message: 'Channel not found' });
    expect(await failure(notInStasis)).toMatchObject({ kind: 'not_in_stasis', status: 409, operation: 'channels.dial' });
  });

  it('fails a request unanswered by its deadline as unavailable and ignores its late answer', async () => {
    vi.useFakeTimers();
    const { rest, sent, write } = client(500);
    const slow = failure(rest.send(write, 'channels.answer', 'POST', '/channels/c1/answer'));
    await vi.advanceTimersByTimeAsync(500);
    expect(await slow).toMatchObject({ kind: 'unavailable', operation: 'channels.answer', message: 'no answer within 500 ms' });
    expect(() => rest.onResponse({ request_id: sent[0]!.request_id, status_code: 204 })).not.toThrow();
  });

  it('fails every request still waiting when the socket is lost, and nothing after', async () => {
    const { rest, sent, write } = client();
    const waiting = [rest.send(write, 'channels.dial', 'POST', '/channels/a/dial'), rest.send(write, 'channels.dial', 'POST', '/channels/b/dial')].map(failure);
    rest.failAll('ARI connection lost: socket closed (code 1006)');
    for (const err of await Promise.all(waiting)) expect(err).toMatchObject({ kind: 'unavailable', message: 'ARI connection lost: socket closed (code 1006)' });
    const next = rest.send(write, 'channels.dial', 'POST', '/channels/c/dial');
    rest.onResponse({ request_id: sent[2]!.request_id, status_code: 204 });
    await expect(next).resolves.toBeUndefined();
  });

  it('fails a request whose write throws (socket closing) at once', async () => {
    const { rest } = client();
    const err = await failure(
      rest.send(
        () => {
          throw new Error('WebSocket is not open: readyState 2 (CLOSING)');
        },
        'channels.hangup',
        'DELETE',
        '/channels/x',
      ),
    );
    expect(err).toMatchObject({ kind: 'unavailable', message: 'WebSocket is not open: readyState 2 (CLOSING)' });
  });
});

describe('ARI_REST_TRANSPORT=websocket with an Asterisk that does not answer REST on its socket', () => {
  let sim: Simulator | undefined;
  let pbx: AriPbx | undefined;
  let proxy: Awaited<ReturnType<typeof countingProxy>> | undefined;
  afterEach(async () => {
    await pbx?.stop();
    await proxy?.close();
    await sim?.close();
    sim = pbx = proxy = undefined;
  });

  // The simulator ignores what a client sends on its socket, as Asterisk before 20.14, 21.9 and 22.4 does.
  it('keeps every request on HTTP: while the probe waits for its answer, and after it went unanswered', async () => {
    sim = await startSimulator({ port: 0, username: 'asterisk', password: 'secret' });
    proxy = await countingProxy(sim.url);
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const gaveUp = () => lines.some((line) => line.includes('ARI REST stays on HTTP'));
    pbx = testPbx(proxy.url, { restTransport: 'websocket', requestTimeoutMs: 2_000, logger });
    await pbx.start();

    await pbx.createBridge({ bridgeId: 'fallback-1', name: 'fallback' });
    expect(gaveUp()).toBe(false);
    await waitFor(gaveUp, 'the probe given up');
    expect(pbx.restOverSocket).toBe(false);
    await pbx.destroyBridge('fallback-1');

    const overHttp = httpRequestsIn(proxy.sent).filter((r) => r.includes('/bridges/'));
    expect(overHttp).toEqual(['POST /ari/bridges/fallback-1', 'DELETE /ari/bridges/fallback-1']);
  });
});
