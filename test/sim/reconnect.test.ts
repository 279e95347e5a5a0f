/** The reconnect-and-replace trace, and the rules behind it: one socket owns an app; channels outlive sockets. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { AriTestClient, channelIdOf } from './ariTestClient.js';
import { waitUntil } from '../api/waitUntil.js';
import { bySubject, IdMap, loadTrace, restShape, type TraceItem } from './traceReplay.js';

const trace = loadTrace('reconnect-and-replace');
const restItems = trace.filter((i): i is Extract<TraceItem, { dir: 'rest' }> => i.dir === 'rest');
const CALLER = 'caller-1795247348799;2';

describe('one WebSocket owns an app', () => {
  let sim: Simulator;
  const clients: AriTestClient[] = [];
  const connect = async () => {
    const client = new AriTestClient(sim.url);
    clients.push(client);
    await client.connect('acd');
    return client;
  };

  beforeEach(async () => {
    sim = await startSimulator({ timeScale: 0.1 });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim.close();
  });

  it('replays reconnect-and-replace: the first socket gets ApplicationReplaced, the second the events', async () => {
    const first = await connect();
    const send = async (i: number) => {
      const item = restItems[i]!;
      const res = await first.rest(item.method, item.path, item.query, item.body);
      expect(res.status, item.path).toBe(item.status);
      return { res, item };
    };
    await send(0);
    await first.waitFor((e) => e.type === 'StasisStart' && channelIdOf(e) === CALLER);
    await send(1);
    await send(2);
    const second = await connect();
    await first.waitFor((e) => e.type === 'ApplicationReplaced');
    await first.closed();

    const ids = new IdMap();
    const expectedFirst = bySubject(trace.flatMap((i) => (i.dir === 'event' ? [i.event] : [])), ids);
    expect(bySubject(first.events, ids)).toEqual(expectedFirst);

    for (const i of [3, 4, 5]) {
      const { res, item } = await send(i);
      expect(restShape(res.body, ids), item.path).toEqual(restShape(i === 5 ? { ...(item.response as object), bridge_ids: [] } : item.response, ids));
    }
    expect(sim.channel(CALLER)?.moh).toBe('default');
    await send(6);
    await second.until((events) => events.some((e) => e.type === 'StasisEnd'), 2000);
    // What the second socket got, as written in the trace's notes.
    const expectedSecond = trace
      .flatMap((i) => (i.dir === 'note' && i.text.startsWith('second socket got ') ? [JSON.parse(i.text.slice('second socket got '.length)) as { type: string }] : []))
      .map((e) => e.type);
    expect(second.events.map((e) => e.type)).toEqual(expectedSecond);
    expect(first.events.filter((e) => e.type !== 'ApplicationReplaced').length).toBe(expectedFirst.get(CALLER)!.length);
  });

  it('keeps channels in Stasis while no socket is connected, and their events are lost', async () => {
    const client = await connect();
    const callId = sim.placeCall({ queue: 'sales', callerNumber: '5551000' });
    await client.waitFor((e) => e.type === 'StasisStart' && channelIdOf(e) === callId);
    sim.dropConnections();
    await client.closed();
    expect(sim.isConnected('acd')).toBe(false);
    const dtmf = sim.waitForEvent((e) => e.type === 'ChannelDtmfReceived' && channelIdOf(e) === callId);
    sim.sendDtmf(callId, '5');
    await dtmf; // sent to nobody
    expect(sim.channel(callId)?.inStasis).toBe(true);

    const again = await connect();
    const apps = await again.rest('GET', '/applications/acd');
    expect((apps.body as { channel_ids: string[] }).channel_ids).toEqual([callId]);
    expect((await again.rest('DELETE', `/channels/${callId}`)).status).toBe(204);
    await again.waitFor((e) => e.type === 'StasisEnd' && channelIdOf(e) === callId);
    expect(again.events.map((e) => e.type)).toEqual(['ChannelHangupRequest', 'StasisEnd']);
  });

  it('fails Stasis() for a caller arriving while the app has no socket, as Asterisk does', async () => {
    const callId = sim.placeCall({ queue: 'sales' });
    expect(sim.channel(callId)).toBeDefined();
    await waitUntil(() => sim.channel(callId) === undefined, 'the caller to fail Stasis() and hang up');
  });
});
