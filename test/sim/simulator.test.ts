/** The simulator's own surface: auth, api-docs, scripted endpoints, callers, controls, errors. */
import { afterEach, describe, expect, it } from 'vitest';
import { LoadGenerator, startSimulator, type AriEvent, type Simulator, type SimulatorOptions } from '../../src/sim/index.js';
import { AriTestClient, channelIdOf } from './ariTestClient.js';

let sim: Simulator | undefined;
let client: AriTestClient | undefined;

async function setup(options: SimulatorOptions = {}): Promise<{ sim: Simulator; ari: AriTestClient }> {
  sim = await startSimulator({ timeScale: 0.01, ...options });
  client = new AriTestClient(sim.url);
  await client.connect('acd');
  return { sim, ari: client };
}

afterEach(async () => {
  client?.close();
  await sim?.close();
  sim = undefined;
  client = undefined;
});

const typesOf = (events: AriEvent[], id: string): string[] =>
  events.filter((e) => channelIdOf(e) === id || (e.peer as { id?: string } | undefined)?.id === id).map((e) => (e.type === 'Dial' ? `Dial:${e.dialstatus as string}` : e.type));

/** Creates a leg into Stasis and dials it, as the engine does. */
async function createAndDial(ari: AriTestClient, endpoint: string, channelId: string, timeout = 5) {
  const created = await ari.rest('POST', '/channels/create', { endpoint, app: 'acd', appArgs: 'agent,1001', channelId });
  expect(created.status).toBe(200);
  await ari.waitFor((e) => e.type === 'StasisStart' && channelIdOf(e) === channelId);
  expect((await ari.rest('POST', `/channels/${channelId}/dial`, { timeout })).status).toBe(204);
}

describe('HTTP surface', () => {
  it('requires basic auth or api_key, like Asterisk', async () => {
    const { sim } = await setup();
    const anonymous = await fetch(`${sim.url}/ari/channels`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: 'Authentication required' });
    expect((await fetch(`${sim.url}/ari/channels?api_key=asterisk:asterisk`)).status).toBe(200);
    expect((await new AriTestClient(sim.url, 'asterisk:nope').rest('GET', '/channels')).status).toBe(401);
  });

  it('serves the api-docs with basePath pointing at itself', async () => {
    const { ari, sim } = await setup();
    const resources = await ari.rest('GET', '/api-docs/resources.json');
    expect(resources.status).toBe(200);
    expect((resources.body as { basePath: string }).basePath).toBe(`${sim.url}/ari`);
    const channels = await ari.rest('GET', '/api-docs/channels.json');
    expect((channels.body as { basePath: string }).basePath).toBe(`${sim.url}/ari`);
    expect((await ari.rest('GET', '/api-docs/../secrets.json')).status).toBe(404);
  });

  it('answers 409 to a bridge id already in use, like Asterisk 22', async () => {
    const { sim } = await setup();
    const create = () => fetch(`${sim.url}/ari/bridges/b-dup?type=mixing&api_key=asterisk:asterisk`, { method: 'POST' });
    expect((await create()).status).toBe(200);
    const again = await create();
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toBe("Bridge with id 'b-dup' already exists");
  });

  it('logs every REST request with its status', async () => {
    const { ari, sim } = await setup();
    await ari.rest('POST', '/channels/create', { endpoint: 'Nonsense', app: 'acd' });
    await ari.rest('DELETE', '/channels/none', { reason: 'normal' });
    expect(sim.requests.map((r) => [r.method, r.path, r.query, r.status])).toEqual([
      ['POST', '/channels/create', { endpoint: 'Nonsense', app: 'acd' }, 400],
      ['DELETE', '/channels/none', { reason: 'normal' }, 404],
    ]);
    expect(sim.requests[0]!.response).toEqual({ message: 'Invalid endpoint specified' });
  });
});

describe('scripted endpoints', () => {
  it('answer: rings, answers, talks talkMs (scaled) then hangs up', async () => {
    const { sim, ari } = await setup();
    sim.setEndpoint('PJSIP/1001', { kind: 'answer', ringMs: 1000, talkMs: 2000 });
    const t0 = Date.now();
    await createAndDial(ari, 'PJSIP/1001', 'leg-1');
    await ari.waitFor((e) => e.type === 'ChannelDestroyed' && channelIdOf(e) === 'leg-1');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    expect(typesOf(ari.events, 'leg-1')).toEqual([
      'ChannelDialplan', 'ChannelVarset', 'StasisStart', 'Dial:', 'ChannelStateChange', 'Dial:RINGING',
      'ChannelStateChange', 'Dial:ANSWER', 'ChannelHangupRequest', 'StasisEnd', 'ChannelVarset', 'ChannelDestroyed',
    ]);
    const dial = ari.events.find((e) => e.type === 'Dial')!;
    expect(dial.dialstring).toBe('1001');
    expect((dial.peer as { name: string }).name).toMatch(/^PJSIP\/1001-[0-9a-f]{8}$/);
  });

  it('noanswer: the dial timeout hangs the leg up with cause 19 and no final Dial event', async () => {
    const { sim, ari } = await setup();
    sim.setEndpoint('SIP/2002', { kind: 'noanswer' });
    await createAndDial(ari, 'SIP/2002', 'leg-2', 3);
    const destroyed = await ari.waitFor((e) => e.type === 'ChannelDestroyed' && channelIdOf(e) === 'leg-2');
    expect(destroyed).toMatchObject({ cause: 19, cause_txt: 'User alerting, no answer' });
    expect(ari.events.filter((e) => e.type === 'Dial').map((e) => e.dialstatus)).toEqual(['', 'RINGING']);
  });

  it('busy: Dial BUSY and the leg stays until the app hangs it up', async () => {
    const { sim, ari } = await setup();
    sim.setEndpoint('IAX2/3003', { kind: 'busy' });
    await createAndDial(ari, 'IAX2/3003', 'leg-3');
    await ari.waitFor((e) => e.type === 'Dial' && e.dialstatus === 'BUSY');
    await new Promise((r) => setTimeout(r, 100)); // kept: 10 simulated seconds in which the leg must stay; staying has no event
    expect(sim.channel('leg-3')?.state).toBe('Down');
    expect((await ari.rest('DELETE', '/channels/leg-3')).status).toBe(204);
    expect(sim.channel('leg-3')).toBeUndefined();
  });

  it('reject: hangup cause 21', async () => {
    const { sim, ari } = await setup();
    sim.setEndpoint('PJSIP/4004', { kind: 'reject' });
    await createAndDial(ari, 'PJSIP/4004', 'leg-4');
    const request = await ari.waitFor((e) => e.type === 'ChannelHangupRequest' && channelIdOf(e) === 'leg-4');
    expect(request.cause).toBe(21);
    expect(await ari.waitFor((e) => e.type === 'ChannelDestroyed')).toMatchObject({ cause: 21, cause_txt: 'Call Rejected' });
  });

  it('unavailable or unknown: 500 Allocation failed at create and originate', async () => {
    const { sim, ari } = await setup();
    sim.setEndpoint('PJSIP/1005', { kind: 'unavailable' });
    for (const endpoint of ['PJSIP/1005', 'PJSIP/unregistered']) {
      const res = await ari.rest('POST', '/channels/create', { endpoint, app: 'acd' });
      expect(res).toEqual({ status: 500, body: { error: 'Allocation failed' } });
      expect((await ari.rest('POST', '/channels', { endpoint, app: 'acd' })).body).toEqual({ error: 'Allocation failed' });
    }
    expect(sim.channels()).toEqual([]);
  });

  it('manual: rings until sim.answer, then sim.hangup ends it with the given cause', async () => {
    const { sim, ari } = await setup();
    sim.setEndpoint('PJSIP/1006', { kind: 'manual' });
    await createAndDial(ari, 'PJSIP/1006', 'leg-6', 60);
    await ari.waitFor((e) => e.type === 'Dial' && e.dialstatus === 'RINGING');
    sim.answer('leg-6');
    expect(sim.channel('leg-6')?.state).toBe('Up');
    expect(() => sim.answer('leg-6')).toThrow(/not ringing/);
    sim.hangup('leg-6', 17);
    expect(await ari.waitFor((e) => e.type === 'ChannelHangupRequest')).toMatchObject({ cause: 17 });
    expect(await ari.waitFor((e) => e.type === 'ChannelDestroyed')).toMatchObject({ cause: 17, cause_txt: 'User busy' });
  });

  it('originate into Stasis: StasisStart only when the far end answers', async () => {
    const { sim, ari } = await setup();
    sim.setEndpoint('PJSIP/1007', { kind: 'manual' });
    const res = await ari.rest('POST', '/channels/agent-7', { endpoint: 'PJSIP/1007', app: 'acd', appArgs: 'agent,1007', timeout: 30 });
    expect(res.status).toBe(200);
    await ari.waitFor((e) => e.type === 'Dial' && e.dialstatus === 'RINGING');
    expect(ari.events.some((e) => e.type === 'StasisStart')).toBe(false);
    expect((await ari.rest('POST', '/channels/agent-7/dial')).body).toEqual({ message: 'Channel not in Stasis application' });
    sim.answer('agent-7');
    const started = await ari.waitFor((e) => e.type === 'StasisStart');
    expect(started.args).toEqual(['agent', '1007']);
  });

  // As Asterisk 22.10.1 does (checked on ../shared/asterisk, 2026-12-06).
  it('originate of Local agent phones, unanswered: busy ends with cause 0 after Dial BUSY, reject with 21 after Dial NOANSWER, ring-out with 19; the app lists a ringing leg outside Stasis', async () => {
    const { ari } = await setup();
    const destroyed = (id: string) => ari.waitFor((e) => e.type === 'ChannelDestroyed' && channelIdOf(e) === id);
    const originate = (endpoint: string, id: string, timeout = 30) => ari.rest('POST', '/channels', { endpoint, app: 'acd', appArgs: 'agent,x', channelId: id, timeout });
    expect((await originate('Local/2001@agents', 'o-ring')).status).toBe(200);
    await ari.waitFor((e) => e.type === 'Dial' && e.dialstatus === 'RINGING');
    const app = (await ari.rest('GET', '/applications/acd')).body as { channel_ids: string[] };
    expect(app.channel_ids).toContain('o-ring');
    expect(((await ari.rest('GET', '/channels/o-ring')).body as { dialplan: { app_name: string } }).dialplan.app_name).toBe('AppDial2');
    expect((await ari.rest('DELETE', '/channels/o-ring')).status).toBe(204);

    await originate('Local/3001@agents', 'o-busy');
    expect(await destroyed('o-busy')).toMatchObject({ cause: 0 });
    await originate('Local/4001@agents', 'o-rej');
    expect(await destroyed('o-rej')).toMatchObject({ cause: 21 });
    await originate('Local/2001@agents', 'o-out', 1);
    expect(await destroyed('o-out')).toMatchObject({ cause: 19 });
    const dials = (id: string) => ari.events.filter((e) => e.type === 'Dial' && (e.peer as { id: string }).id === id).map((e) => e.dialstatus);
    expect(dials('o-busy')).toEqual(['', 'BUSY']);
    expect(dials('o-rej')).toEqual(['', 'NOANSWER']);
    expect(dials('o-out')).toEqual(['', 'RINGING']);
  });
});

describe('channel rules', () => {
  it('refuses dial before StasisStart with 409, as Asterisk does right after /channels/create', async () => {
    const { ari } = await setup({ stasisEntryDelayMs: 300 });
    await ari.rest('POST', '/channels/create', { endpoint: 'Local/1001@agents', app: 'acd', appArgs: 'agent,1001', channelId: 'early' });
    expect(await ari.rest('POST', '/channels/early/dial', { timeout: 5 })).toEqual({ status: 409, body: { message: 'Channel not in Stasis application' } });
    await ari.waitFor((e) => e.type === 'StasisStart');
    expect((await ari.rest('POST', '/channels/early/dial', { timeout: 5 })).status).toBe(204);
  });

  it('tracks MOH, ring, hold and mute, and refuses them on a channel that is not answered (412)', async () => {
    const { sim, ari } = await setup();
    const id = sim.placeCall({ queue: 'sales' });
    await ari.waitFor((e) => e.type === 'StasisStart');
    for (const op of ['moh', 'ring', 'hold', 'mute']) {
      expect((await ari.rest('POST', `/channels/${id}/${op}`, op === 'moh' ? { mohClass: 'jazz' } : op === 'mute' ? { direction: 'in' } : {})).status).toBe(204);
    }
    expect(sim.channel(id)).toMatchObject({ moh: 'jazz', ringing: true, held: true, muted: 'in' });
    for (const op of ['moh', 'ring', 'hold', 'mute']) expect((await ari.rest('DELETE', `/channels/${id}/${op}`)).status).toBe(204);
    expect(sim.channel(id)).toMatchObject({ moh: undefined, ringing: false, held: false, muted: undefined });
    expect(ari.events.map((e) => e.type)).toEqual(['StasisStart']);

    await ari.rest('POST', '/channels/create', { endpoint: 'Local/1001@agents', app: 'acd', channelId: 'down-leg' });
    await ari.waitFor((e) => e.type === 'StasisStart' && channelIdOf(e) === 'down-leg');
    expect(await ari.rest('POST', '/channels/down-leg/moh')).toEqual({ status: 412, body: { message: 'Channel in invalid state' } });
  });

  it('a caller with holdMs hangs up that long after being answered; digits arrive as ChannelDtmfReceived', async () => {
    // 0.1, not 0.01: the digits (100 ms after the answer) and the hang-up (500 ms) stay apart on a loaded machine.
    const { sim, ari } = await setup({ timeScale: 0.1 });
    const id = sim.placeCall({ queue: 'support', callerNumber: '5550001', callerName: 'Ann', holdMs: 5000, digits: { atMs: 1000, digits: '12' } });
    const started = await ari.waitFor((e) => e.type === 'StasisStart');
    expect(started.args).toEqual(['support']);
    expect((started.channel as { caller: unknown }).caller).toEqual({ name: 'Ann', number: '5550001' });
    await new Promise((r) => setTimeout(r, 80)); // kept: 0.8 simulated seconds unanswered, which holdMs must not count; staying has no event
    expect(sim.channel(id)?.inStasis).toBe(true);
    await ari.rest('POST', `/channels/${id}/answer`);
    await ari.waitFor((e) => e.type === 'StasisEnd');
    expect(typesOf(ari.events, id)).toEqual(['StasisStart', 'ChannelStateChange', 'ChannelDtmfReceived', 'ChannelDtmfReceived', 'ChannelHangupRequest', 'StasisEnd']);
    expect(ari.events.filter((e) => e.type === 'ChannelDtmfReceived').map((e) => e.digit)).toEqual(['1', '2']);
    expect(ari.events.find((e) => e.type === 'ChannelHangupRequest')).toMatchObject({ cause: 16 });
  });

  it('reads variables without their inheritance prefix and reports sets', async () => {
    const { sim, ari } = await setup();
    const id = sim.placeCall({ queue: 'sales', variables: { __HOLD: '30' } });
    await ari.waitFor((e) => e.type === 'StasisStart');
    expect(await ari.rest('GET', `/channels/${id}/variable`, { variable: 'HOLD' })).toEqual({ status: 200, body: { value: '30' } });
    expect((await ari.rest('GET', `/channels/${id}/variable`, { variable: 'NOPE' })).status).toBe(404);
    expect((await ari.rest('POST', `/channels/${id}/variable`, { variable: 'ACD_CALL', value: 'c-1' })).status).toBe(204);
    expect(await ari.waitFor((e) => e.type === 'ChannelVarset')).toMatchObject({ variable: 'ACD_CALL', value: 'c-1' });
  });

  it('a bridged channel hanging up leaves the bridge; the bridge stays until deleted', async () => {
    const { sim, ari } = await setup();
    sim.setEndpoint('PJSIP/1001', { kind: 'manual' });
    const caller = sim.placeCall({ queue: 'sales' });
    await ari.waitFor((e) => e.type === 'StasisStart');
    await ari.rest('POST', `/channels/${caller}/answer`);
    await createAndDial(ari, 'PJSIP/1001', 'agent-leg', 30);
    sim.answer('agent-leg');
    const bridge = (await ari.rest('POST', '/bridges', { type: 'mixing' })).body as { id: string };
    expect((await ari.rest('POST', `/bridges/${bridge.id}/addChannel`, { channel: `${caller},agent-leg` })).status).toBe(204);
    expect(sim.bridges()).toEqual([{ id: bridge.id, type: 'mixing', name: '', channelIds: [caller, 'agent-leg'] }]);
    sim.hangup('agent-leg');
    const left = await ari.waitFor((e) => e.type === 'ChannelLeftBridge');
    expect((left.bridge as { channels: string[] }).channels).toEqual([caller]);
    expect(sim.bridges()[0]!.channelIds).toEqual([caller]);
    expect(await ari.rest('POST', `/bridges/${bridge.id}/removeChannel`, { channel: 'agent-leg' })).toEqual({ status: 400, body: { message: 'Channel not found' } });
    expect((await ari.rest('DELETE', `/bridges/${bridge.id}`)).status).toBe(204);
    expect(await ari.waitFor((e) => e.type === 'BridgeDestroyed')).toBeDefined();
    expect(await ari.rest('GET', `/bridges/${bridge.id}`)).toEqual({ status: 404, body: { message: 'Bridge not found' } });
  });
});

describe('playbacks', () => {
  it('a missing sound fails, a gone channel is 404, a stopped playback finishes done', async () => {
    const { sim, ari } = await setup({ sounds: ['custom-welcome'] });
    const id = sim.placeCall({ queue: 'sales' });
    await ari.waitFor((e) => e.type === 'StasisStart');
    await ari.rest('POST', `/channels/${id}/answer`);
    const failed = await ari.rest('POST', `/channels/${id}/play`, { media: 'sound:no-such-file' });
    expect(failed.body).toMatchObject({ state: 'failed', media_uri: 'sound:no-such-file' });
    const custom = await ari.rest('POST', `/channels/${id}/play/pb-1`, { media: 'sound:custom-welcome,digits:42' });
    expect(custom).toMatchObject({ status: 201, body: { id: 'pb-1', state: 'playing', next_media_uri: 'digits:42' } });
    expect((await ari.rest('DELETE', '/playbacks/pb-1')).status).toBe(204);
    expect(await ari.waitFor((e) => e.type === 'PlaybackFinished' && (e.playback as { id: string }).id === 'pb-1')).toMatchObject({ playback: { state: 'done' } });
    expect(await ari.rest('GET', '/playbacks/pb-1')).toEqual({ status: 404, body: { message: 'Playback not found' } });
    sim.hangup(id);
    await ari.waitFor((e) => e.type === 'StasisEnd');
    expect(await ari.rest('POST', `/channels/${id}/play`, { media: 'sound:beep' })).toEqual({ status: 404, body: { message: 'Channel not found' } });
  });

  it('one reaching a channel still being pushed out of a destroyed bridge is answered and dropped, as Asterisk 22 may; after removeChannel it plays', async () => {
    const { sim, ari } = await setup();
    const id = sim.placeCall({ queue: 'sales' });
    await ari.waitFor((e) => e.type === 'StasisStart');
    await ari.rest('POST', `/channels/${id}/answer`);
    const bridged = async (bridgeId: string) => {
      await ari.rest('POST', '/bridges', { type: 'mixing', bridgeId });
      await ari.rest('POST', `/bridges/${bridgeId}/addChannel`, { channel: id });
    };
    await bridged('b-1');
    await ari.rest('DELETE', '/bridges/b-1');
    expect(await ari.rest('POST', `/channels/${id}/play/pb-dropped`, { media: 'sound:beep' })).toMatchObject({ status: 201, body: { id: 'pb-dropped', state: 'queued' } });
    await bridged('b-2');
    await ari.rest('POST', '/bridges/b-2/removeChannel', { channel: id });
    await ari.rest('DELETE', '/bridges/b-2');
    expect(await ari.rest('POST', `/channels/${id}/play/pb-played`, { media: 'sound:beep' })).toMatchObject({ status: 201, body: { state: 'playing' } });
    await ari.waitFor((e) => e.type === 'PlaybackFinished' && (e.playback as { id: string }).id === 'pb-played');
    expect(ari.events.filter((e) => (e.playback as { id?: string } | undefined)?.id === 'pb-dropped')).toEqual([]);
  });
});

describe('recordings', () => {
  it('pause keeps the live recording (state paused, no event), stop stores it, the file is silence of its length in its format', async () => {
    const { sim, ari } = await setup({ timeScale: 0.1 });
    const id = sim.placeCall({ queue: 'sales' });
    await ari.waitFor((e) => e.type === 'StasisStart');
    await ari.rest('POST', `/channels/${id}/answer`);
    const bridge = (await ari.rest('POST', '/bridges', { type: 'mixing' })).body as { id: string };
    await ari.rest('POST', `/bridges/${bridge.id}/addChannel`, { channel: id });
    const file = async (name: string) => {
      const res = await fetch(`${sim.url}/ari/recordings/stored/${name}/file?api_key=asterisk:asterisk`);
      return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    for (const format of ['ulaw', 'gsm']) {
      const startedAt = Date.now();
      expect((await ari.rest('POST', `/bridges/${bridge.id}/record`, { name: `r-${format}`, format })).status).toBe(201);
      await ari.waitFor((e) => e.type === 'RecordingStarted' && (e.recording as { name: string }).name === `r-${format}`);
      expect((await ari.rest('POST', `/recordings/live/r-${format}/pause`)).status).toBe(204);
      const pausedAt = Date.now();
      expect((await ari.rest('GET', `/recordings/live/r-${format}`)).body).toMatchObject({ state: 'paused' });
      // Kept: the lengths under test, not waits for something. 300 ms paused = 3 simulated seconds, left out.
      await new Promise((r) => setTimeout(r, 300));
      const resumedAt = Date.now();
      expect((await ari.rest('DELETE', `/recordings/live/r-${format}/pause`)).status).toBe(204);
      expect((await ari.rest('GET', `/recordings/live/r-${format}`)).body).toMatchObject({ state: 'recording' });
      await new Promise((r) => setTimeout(r, 120));
      expect((await ari.rest('POST', `/recordings/live/r-${format}/stop`)).status).toBe(204);
      const stoppedAt = Date.now();
      const done = await ari.waitFor((e) => e.type === 'RecordingFinished' && (e.recording as { name: string }).name === `r-${format}`);
      const duration = (done.recording as { duration: number }).duration;
      expect(duration).toBeGreaterThanOrEqual(1);
      // At most the time it was not paused (100 ms real per simulated second; +1 for rounding),
      // however slow the machine; counting the pause would add 3.
      expect(duration).toBeLessThanOrEqual(Math.ceil((stoppedAt - startedAt - (resumedAt - pausedAt)) / 100) + 1);
      const got = await file(`r-${format}`);
      expect(got.status).toBe(200);
      expect(got.bytes.length).toBe(duration * (format === 'ulaw' ? 8000 : 1650));
      expect(got.type).toBe(format === 'ulaw' ? 'audio/basic' : 'audio/gsm');
      if (format === 'ulaw') expect(got.bytes.every((b) => b === 0xff)).toBe(true);
    }
    expect(ari.events.filter((e) => e.type.startsWith('Recording')).map((e) => e.type)).toEqual(['RecordingStarted', 'RecordingFinished', 'RecordingStarted', 'RecordingFinished']);
    expect(await ari.rest('POST', '/recordings/live/r-ulaw/pause')).toEqual({ status: 404, body: { message: 'Recording not found' } });
    expect((await file('nope')).status).toBe(404);
    expect(sim.requests.find((r) => r.path === '/recordings/stored/r-gsm/file')).toMatchObject({ status: 200, response: { bytes: expect.any(Number) } });
  });
});

describe('time scale and load', () => {
  it('scales trace dialplan durations: RING=1 and TALK=2 at 0.01 take tens of milliseconds', async () => {
    const { ari } = await setup();
    await ari.rest('POST', '/channels/create', { endpoint: 'Local/1001@agents', app: 'acd', channelId: 'a1' }, { variables: { __RING: '1', __TALK: '2' } });
    await ari.waitFor((e) => e.type === 'StasisStart');
    const t0 = Date.now();
    await ari.rest('POST', '/channels/a1/dial', { timeout: 10 });
    await ari.waitFor((e) => e.type === 'Dial' && e.dialstatus === 'ANSWER', 2000);
    const answeredAfter = Date.now() - t0;
    await ari.waitFor((e) => e.type === 'ChannelDestroyed', 2000);
    expect(answeredAfter).toBeGreaterThanOrEqual(9);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(30);
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('the load generator places a bounded number of calls into the given queues', async () => {
    const { sim, ari } = await setup();
    const load = new LoadGenerator(sim, { queues: ['sales', 'support'], callsPerMinute: 6000, maxCalls: 5, arrivals: 'steady' }).start();
    await load.done;
    expect(load.stats.placed).toBe(5);
    await ari.until((events) => events.filter((e) => e.type === 'StasisStart').length === 5, 2000);
    const queues = ari.events.filter((e) => e.type === 'StasisStart').map((e) => (e.args as string[])[0]);
    expect(queues.every((q) => q === 'sales' || q === 'support')).toBe(true);
    expect(Object.values(load.stats.perQueue).reduce((a, b) => a + b, 0)).toBe(5);
  });
});
