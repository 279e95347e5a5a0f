/**
 * The app's event filter (PUT /applications/{app}/eventFilter): the adapter asks for the event
 * types it uses only, and the simulator, like Asterisk, sends an app nothing else.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { HANDLED_ARI_EVENT_TYPES } from '../../src/pbx/ari/normalize-event.js';
import type { Pbx } from '../../src/pbx/port.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { waitFor } from '../helpers/acdHarness.js';
import { testPbx } from './pbx-harness.js';

const AUTH = `Basic ${Buffer.from('asterisk:secret').toString('base64')}`;
let sim: Simulator | undefined;
let pbx: Pbx | undefined;
let ws: WebSocket | undefined;
afterEach(async () => {
  ws?.close();
  await pbx?.stop();
  await sim?.close();
  sim = pbx = ws = undefined;
});

const application = async (app: string) =>
  (await (await fetch(`${sim!.url}/ari/applications/${app}`, { headers: { authorization: AUTH } })).json()) as { events_allowed: { type: string }[] };

describe('ARI event filter', () => {
  it('the adapter lets through only the event types it handles, on every connect', async () => {
    sim = await startSimulator({ port: 0, username: 'asterisk', password: 'secret' });
    pbx = testPbx(sim.url);
    await pbx.start();
    const allowed = await waitFor(async () => {
      const types = (await application('acd')).events_allowed.map((f) => f.type);
      return types.length > 0 ? types : undefined;
    }, 'event filter set');
    // RESTResponse: the answers to REST over the WebSocket (src/pbx/ari/wsRest.ts).
    expect(allowed.sort()).toEqual([...HANDLED_ARI_EVENT_TYPES, 'RESTResponse'].sort());
    expect(allowed).not.toContain('ChannelVarset');
    expect(allowed).toContain('StasisStart');
  });

  it('the simulator sends an app only the allowed types', async () => {
    sim = await startSimulator({ port: 0, username: 'asterisk', password: 'secret' });
    const received: string[] = [];
    ws = new WebSocket(`${sim.url.replace(/^http/, 'ws')}/ari/events?app=raw&api_key=asterisk:secret`);
    ws.on('message', (data) => received.push((JSON.parse(String(data)) as { type: string }).type));
    await new Promise((r) => ws!.once('open', r));
    const put = await fetch(`${sim.url}/ari/applications/raw/eventFilter`, {
      method: 'PUT',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ allowed: [{ type: 'StasisStart' }, { type: 'StasisEnd' }] }),
    });
    expect(put.status).toBe(200);
    const caller = sim.placeCall({ app: 'raw', queue: 'sales', variables: { A: '1' } });
    await waitFor(() => received.includes('StasisStart'), 'StasisStart');
    sim.hangup(caller);
    // One socket delivers in order: once StasisEnd is here, everything sent before it is too.
    await waitFor(() => received.includes('StasisEnd'), 'StasisEnd');
    expect(received).toEqual(['StasisStart', 'StasisEnd']);

    const bad = await fetch(`${sim.url}/ari/applications/raw/eventFilter`, {
      method: 'PUT',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ allowed: ['StasisStart'] }),
    });
    expect(bad.status).toBe(400);
  });
});
