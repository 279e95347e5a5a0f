import { describe, expect, it } from 'vitest';
import { HANDLED_ARI_EVENT_TYPES, normalizeAriEvent } from '../../src/pbx/ari/normalize-event.js';
import { firstEvent, traceEvents, type TraceEvent } from './traces.js';

describe('normalizeAriEvent on recorded Asterisk 22 events', () => {
  it('StasisStart → channelEnteredApp with the channel and the Stasis args', () => {
    const raw = firstEvent('StasisStart', (e) => JSON.stringify(e.args) === '["sales"]');
    expect(normalizeAriEvent(raw)).toEqual({
      type: 'channelEnteredApp',
      args: ['sales'],
      channel: expect.objectContaining({ state: 'Ring', appName: 'Stasis', appData: 'acd,sales', context: 'callers', exten: 'q-sales', callerNumber: '5551234', callerName: 'Customer' }),
    });
    const event = normalizeAriEvent(raw);
    expect(event?.type === 'channelEnteredApp' && event.channel.id.endsWith(';2')).toBe(true);
    expect(event?.type === 'channelEnteredApp' && event.channel.createdAt).toBeGreaterThan(Date.UTC(2026, 0, 1));
  });

  it('StasisStart of an agent leg keeps every arg', () => {
    const raw = firstEvent('StasisStart', (e) => (e.args as string[]).length === 3);
    const event = normalizeAriEvent(raw);
    expect(event?.type === 'channelEnteredApp' && event.args).toEqual(raw.args);
  });

  it('StasisEnd → channelLeftApp', () => {
    const raw = firstEvent('StasisEnd');
    expect(normalizeAriEvent(raw)).toEqual({ type: 'channelLeftApp', channelId: (raw.channel as { id: string }).id });
  });

  it('ChannelStateChange, ChannelLeftBridge, BridgeDestroyed: not used by the engine, so not delivered (nor asked for)', () => {
    for (const type of ['ChannelStateChange', 'ChannelLeftBridge', 'BridgeDestroyed']) {
      expect(normalizeAriEvent(firstEvent(type))).toBeUndefined();
      expect(HANDLED_ARI_EVENT_TYPES).not.toContain(type);
    }
  });

  it('ChannelHangupRequest: not asked for, as the ChannelDestroyed after it tells the same cause (every recorded trace)', () => {
    expect(normalizeAriEvent(firstEvent('ChannelHangupRequest', (e) => e.cause === 21))).toBeUndefined();
    expect(HANDLED_ARI_EVENT_TYPES).not.toContain('ChannelHangupRequest');
    const channelOf = (e: TraceEvent) => (e.channel as { id: string }).id;
    const destroyedCause = new Map(traceEvents().filter((e) => e.type === 'ChannelDestroyed').map((e) => [channelOf(e), e.cause]));
    // A hard request (not ARI's soft cause 32) of a channel whose end was recorded.
    const hard = traceEvents().filter((e) => e.type === 'ChannelHangupRequest' && e.cause !== 32 && e.soft !== true && destroyedCause.has(channelOf(e)));
    expect(hard.map((e) => e.cause).sort()).toEqual([16, 16, 16, 19, 21]);
    for (const e of hard) expect(destroyedCause.get(channelOf(e)), channelOf(e)).toBe(e.cause);
  });

  it('ChannelDestroyed → channelDestroyed with cause and text (dial timeout is 19)', () => {
    const raw = firstEvent('ChannelDestroyed', (e) => e.cause === 19);
    expect(normalizeAriEvent(raw)).toEqual({
      type: 'channelDestroyed',
      channelId: (raw.channel as { id: string }).id,
      cause: 19,
      causeText: 'User alerting, no answer',
    });
  });

  it.each(['', 'RINGING'])('Dial %j (interim, nothing acts on it) → dropped', (status) => {
    expect(normalizeAriEvent(firstEvent('Dial', (e) => e.dialstatus === status))).toBeUndefined();
  });

  const peerApp = (e: TraceEvent) => (e.peer as { dialplan?: { app_name?: string } } | undefined)?.dialplan?.app_name;

  it.each(['ANSWER', 'BUSY'])('Dial %j of a leg in Stasis (created, then dialed) → dialProgress about the peer, in the app', (status) => {
    const raw = firstEvent('Dial', (e) => e.dialstatus === status && peerApp(e) === 'Stasis');
    expect(normalizeAriEvent(raw)).toEqual({ type: 'dialProgress', peerChannelId: (raw.peer as { id: string }).id, callerChannelId: '', status, peerInApp: true });
  });

  it('Dial ANSWER of an originated leg (it enters Stasis only after it) → dialProgress with the peer not in the app', () => {
    const raw = firstEvent('Dial', (e) => e.dialstatus === 'ANSWER' && peerApp(e) === 'AppDial2');
    expect(normalizeAriEvent(raw)).toMatchObject({ type: 'dialProgress', status: 'ANSWER', peerInApp: false });
  });

  it('Dial with a caller reports the caller id', () => {
    const raw = { ...firstEvent('Dial', (e) => e.dialstatus === 'ANSWER'), caller: { id: 'caller-1;2' } };
    expect(normalizeAriEvent(raw)).toMatchObject({ callerChannelId: 'caller-1;2' });
  });

  it('ChannelDtmfReceived → dtmfReceived', () => {
    const raw = firstEvent('ChannelDtmfReceived');
    expect(normalizeAriEvent(raw)).toEqual({ type: 'dtmfReceived', channelId: (raw.channel as { id: string }).id, digit: '1', durationMs: 100 });
  });

  it('PlaybackStarted → playbackStarted with the channel taken from target_uri', () => {
    const raw = firstEvent('PlaybackStarted');
    const playback = raw.playback as { id: string; media_uri: string; target_uri: string };
    expect(normalizeAriEvent(raw)).toEqual({
      type: 'playbackStarted',
      playbackId: playback.id,
      channelId: playback.target_uri.replace('channel:', ''),
      mediaUri: playback.media_uri,
    });
  });

  it('PlaybackFinished → playbackFinished, failed only for state "failed"', () => {
    const done = normalizeAriEvent(firstEvent('PlaybackFinished', (e) => (e.playback as { state: string }).state === 'done'));
    const failed = normalizeAriEvent(firstEvent('PlaybackFinished', (e) => (e.playback as { state: string }).state === 'failed'));
    expect(done).toMatchObject({ type: 'playbackFinished', failed: false });
    expect(failed).toMatchObject({ type: 'playbackFinished', failed: true });
  });

  it('ChannelEnteredBridge → bridge and channel ids', () => {
    const entered = firstEvent('ChannelEnteredBridge');
    expect(normalizeAriEvent(entered)).toEqual({ type: 'channelEnteredBridge', bridgeId: (entered.bridge as { id: string }).id, channelId: (entered.channel as { id: string }).id });
  });

  it('RecordingStarted / RecordingFinished → name, target, duration', () => {
    const started = firstEvent('RecordingStarted');
    const finished = firstEvent('RecordingFinished');
    const target = (started.recording as { target_uri: string }).target_uri;
    expect(normalizeAriEvent(started)).toEqual({ type: 'recordingStarted', name: (started.recording as { name: string }).name, target });
    expect(normalizeAriEvent(finished)).toEqual({ type: 'recordingFinished', name: (finished.recording as { name: string }).name, target, durationS: 1, failed: false });
  });

  it('RecordingFailed → recordingFinished with failed: true', () => {
    const raw = { type: 'RecordingFailed', recording: { name: 'r1', target_uri: 'bridge:b1', state: 'failed', cause: 'x' } };
    expect(normalizeAriEvent(raw)).toEqual({ type: 'recordingFinished', name: 'r1', target: 'bridge:b1', durationS: 0, failed: true });
  });

  it('ApplicationReplaced → appReplaced', () => {
    expect(normalizeAriEvent(firstEvent('ApplicationReplaced'))).toEqual({ type: 'appReplaced' });
  });

  it('maps exactly the types the port knows and drops the rest of the recorded events', () => {
    const mapped = new Set<string>();
    const dropped = new Set<string>();
    for (const raw of traceEvents()) (normalizeAriEvent(raw) ? mapped : dropped).add(raw.type);
    // Dial is both: its outcomes are mapped, its interim statuses dropped.
    expect([...dropped].sort()).toEqual([
      'BridgeDestroyed',
      'ChannelCallerId',
      'ChannelConnectedLine',
      'ChannelDialplan',
      'ChannelHangupRequest',
      'ChannelLeftBridge',
      'ChannelStateChange',
      'ChannelVarset',
      'Dial',
      'PlaybackContinuing',
    ]);
    expect(mapped.size).toBe(11);
  });
});

describe('normalizeAriEvent on unexpected input', () => {
  it.each([
    ['unknown type', { type: 'CallBroadcast', channel: { id: 'c1' } }],
    ['no type', { channel: { id: 'c1' } }],
    ['type inherited from Object.prototype', { type: 'toString' }],
    ['not an object', 'StasisStart'],
    ['null', null],
    ['StasisStart without channel', { type: 'StasisStart', args: [] }],
    ['Dial with an unknown status', { type: 'Dial', dialstatus: 'PROCEEDING', peer: { id: 'p' } }],
    ['ChannelEnteredBridge without channel', { type: 'ChannelEnteredBridge', bridge: { id: 'b' } }],
    ['PlaybackStarted with a non-string target', { type: 'PlaybackStarted', playback: { id: 'p', target_uri: 42 } }],
  ])('%s → undefined, never a throw', (_label, raw) => {
    expect(normalizeAriEvent(raw)).toBeUndefined();
  });

  it('a malformed channel still yields safe defaults', () => {
    const event = normalizeAriEvent({ type: 'StasisStart', channel: { id: 'c1', state: 'Weird', creationtime: 'nonsense' }, args: 'not-an-array' });
    expect(event).toMatchObject({ type: 'channelEnteredApp', args: [], channel: { id: 'c1', state: 'Unknown', createdAt: 0, callerNumber: '' } });
  });
});

describe('normalizeAriEvent: EndpointStateChange (device state, subscribed with eventSource=endpoint:PJSIP/1001)', () => {
  // As Asterisk 22 sends it for a PJSIP phone that has just placed a call (the recorded traces use
  // Local channels only, which have no endpoint).
  const raw = {
    type: 'EndpointStateChange',
    endpoint: { technology: 'PJSIP', resource: '1001', state: 'online', channel_ids: ['1795247353.42'] },
    timestamp: '2026-11-21T07:48:38.626+0000',
    asterisk_id: '02:fc:00:00:00:01',
    application: 'acd',
  };

  it('→ endpointStateChanged with the endpoint, its state and its channels', () => {
    expect(normalizeAriEvent(raw)).toEqual({ type: 'endpointStateChanged', endpoint: 'PJSIP/1001', state: 'online', channelIds: ['1795247353.42'] });
  });

  it('reads an unknown state as unknown, drops non-string channel ids, and drops an event without an endpoint', () => {
    expect(normalizeAriEvent({ ...raw, endpoint: { ...raw.endpoint, state: 'weird', channel_ids: ['a', 3] } })).toMatchObject({ state: 'unknown', channelIds: ['a'] });
    expect(normalizeAriEvent({ ...raw, endpoint: { state: 'online' } })).toBeUndefined();
    expect(normalizeAriEvent({ type: 'EndpointStateChange' })).toBeUndefined();
  });
});
